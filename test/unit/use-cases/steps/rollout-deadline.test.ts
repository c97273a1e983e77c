import { describe, expect, it } from 'vitest';
import { RolloutFailedError } from '../../../../src/domain/errors.ts';
import type { RunState } from '../../../../src/domain/run-state.ts';
import type { Deployment, RevertRequest } from '../../../../src/ports/container-service.ts';
import { checkRollout } from '../../../../src/use-cases/steps/check-rollout.ts';
import { deploy } from '../../../../src/use-cases/steps/deploy.ts';
import { DIGEST, fakeDependencies, FakeContainers } from '../../../support/fakes.ts';
import { INPUT } from '../../../support/run-machine.ts';

const PREVIOUS = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/hello:3';
const PAST = '2000-01-01T00:00:00.000Z';
const FUTURE = '2999-01-01T00:00:00.000Z';

/** A container service that reverts, recording what it was asked; `answer` is what revert resolves to. */
class RevertingContainers extends FakeContainers {
  readonly reverts: RevertRequest[] = [];
  constructor(
    private readonly answer: Deployment | null = {
      deploymentId: 'ecs-svc/revert',
      taskDefinition: PREVIOUS,
      revision: 3,
    },
  ) {
    super([{ state: 'IN_PROGRESS', runningCount: 0, desiredCount: 1 }]);
  }
  override async deploy(): Promise<Deployment> {
    return {
      deploymentId: 'ecs-svc/new',
      taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/hello:4',
      revision: 4,
      previousTaskDefinition: PREVIOUS,
    };
  }
  async revert(request: RevertRequest): Promise<Deployment | undefined> {
    this.reverts.push(request);
    return this.answer ?? undefined;
  }
}

const deployed = (deadline: string, previousTaskDefinition: string | null = PREVIOUS): RunState => ({
  ...INPUT,
  image: {
    repository: 'registry.example/hello',
    digest: DIGEST,
    tags: [INPUT.runId],
    reference: `registry.example/hello@${DIGEST}`,
  },
  deployment: {
    id: 'ecs-svc/new',
    taskDefinition: 'hello:4',
    revision: 4,
    state: 'IN_PROGRESS',
    deadline,
    ...(previousTaskDefinition && { previousTaskDefinition }),
  },
});

describe('a rollout at its deadline', () => {
  it('records at Deploy the task definition that served before', async () => {
    const deps = fakeDependencies({ containers: new RevertingContainers() });

    const next = await deploy(deployed(FUTURE, null), deps);

    expect(next.deployment?.previousTaskDefinition).toBe(PREVIOUS);
  });

  it('moves the service back to the previous task definition before it fails the run', async () => {
    const containers = new RevertingContainers();
    const deps = fakeDependencies({ containers });

    const error = await checkRollout(deployed(PAST), deps).catch((caught: unknown) => caught);

    expect(containers.reverts).toEqual([
      {
        app: 'hello',
        service: expect.objectContaining({ name: expect.any(String) }),
        deploymentId: 'ecs-svc/new',
        taskDefinition: PREVIOUS,
      },
    ]);
    expect(error).toBeInstanceOf(RolloutFailedError);
    expect((error as Error).message).toContain(
      `moved the service back to the task definition that served before, ${PREVIOUS} (deployment ecs-svc/revert)`,
    );
  });

  it("leaves the service to a newer deployment that already replaced the run's", async () => {
    const containers = new RevertingContainers(null);
    const deps = fakeDependencies({ containers });

    const error = await checkRollout(deployed(PAST), deps).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RolloutFailedError);
    expect((error as Error).message).toContain('a newer deployment had already replaced deployment ecs-svc/new');
  });

  it('does not move a service back before its deadline', async () => {
    const containers = new RevertingContainers();
    const deps = fakeDependencies({ containers });

    const next = await checkRollout(deployed(FUTURE), deps);

    expect(next.deployment?.state).toBe('IN_PROGRESS');
    expect(containers.reverts).toEqual([]);
  });

  it('fails without moving anything when nothing served before (a first deploy)', async () => {
    const containers = new RevertingContainers();
    const deps = fakeDependencies({ containers });

    const error = await checkRollout(deployed(PAST, null), deps).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RolloutFailedError);
    expect(containers.reverts).toEqual([]);
  });
});
