import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/domain/errors.ts';
import type { RunState } from '../../../src/domain/run-state.ts';
import { rolloutWaitKey } from '../../../src/domain/waits.ts';
import { awaitHandler, wakeHandler } from '../../../src/edges/wait-handler.ts';
import type { MetricRecord } from '../../../src/ports/metrics.ts';
import type { TaskOutcome } from '../../../src/ports/workflow.ts';
import { checkBuild } from '../../../src/use-cases/steps/check-build.ts';
import type { RecordingBus } from '../../support/fakes.ts';
import { DIGEST, fakeDependencies, FakeBuilds, unusedWorkflow } from '../../support/fakes.ts';

const RUN_ID = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';
const BUILDING: RunState = {
  runId: RUN_ID,
  app: 'hello',
  trigger: { kind: 'upload' },
  context: { key: `contexts/hello/${RUN_ID}.tar.gz` },
  repository: { name: 'hello', uri: 'registry.example/hello' },
  build: { id: 'slipway-build:4f1c', status: 'IN_PROGRESS', phase: 'BUILD', startedAt: '2026-11-30T09:57:00Z' },
};
const BUILD_EVENT = {
  'detail-type': 'CodeBuild Build State Change',
  source: 'aws.codebuild',
  resources: ['arn:aws:codebuild:eu-west-1:123456789012:build/slipway-build:4f1c'],
  detail: {
    'build-status': 'SUCCEEDED',
    'build-id': 'arn:aws:codebuild:eu-west-1:123456789012:build/slipway-build:4f1c',
  },
};

function setup() {
  const resumed: [string, TaskOutcome][] = [];
  const metrics: MetricRecord[] = [];
  const deps = fakeDependencies({
    builds: new FakeBuilds([
      { status: 'IN_PROGRESS', phase: 'BUILD' },
      { status: 'SUCCEEDED', phase: 'COMPLETED', imageDigest: DIGEST },
    ]) as never,
    workflow: { ...unusedWorkflow, resume: async (token, outcome) => (resumed.push([token, outcome]), true) },
    metrics: { publish: (records) => void metrics.push(...records) },
  });
  return { deps, resumed, metrics, bus: deps.events as RecordingBus };
}

/** Holds the deps' listing of objects until `release()`: what a look does meanwhile is done without it. */
function holdListing(deps: ReturnType<typeof setup>['deps']) {
  let release: (() => void) | undefined;
  const list = deps.objects.list.bind(deps.objects);
  deps.objects.list = async (prefix: string) => {
    await new Promise<void>((resolve) => (release = resolve));
    return list(prefix);
  };
  return {
    held: () => release !== undefined,
    release: () => release?.(),
  };
}

/** ECS's Deployment State Change for a deployment of the `hello` service, as EventBridge delivers it. */
function helloDeployment(eventName: string, deploymentId: string) {
  return {
    'detail-type': 'ECS Deployment State Change',
    resources: ['arn:aws:ecs:eu-west-1:123456789012:service/slipway/hello'],
    detail: { eventName, deploymentId },
  };
}

describe('wait handlers', () => {
  it('refuses a wait started without its token', async () => {
    const { deps } = setup();

    await expect(awaitHandler('AwaitBuild', checkBuild, () => deps)({ state: BUILDING })).rejects.toThrow(
      InvalidInputError,
    );
  });

  it('records the wait and leaves a build in progress to its event', async () => {
    const { deps, resumed } = setup();

    const result = await awaitHandler('AwaitBuild', checkBuild, () => deps)({ state: BUILDING, taskToken: 't-1' });

    expect(result).toBe('waiting');
    expect(resumed).toEqual([]);
    expect(await deps.objects.list('waits/builds/')).toEqual(['waits/builds/slipway-build%3A4f1c.json']);
  });

  it("ends the wait at the build's event: resumes the run with the image, announces and measures the build's end", async () => {
    const { deps, resumed, metrics, bus } = setup();
    await awaitHandler('AwaitBuild', checkBuild, () => deps)({ state: BUILDING, taskToken: 't-1' });

    const results = await wakeHandler('AwaitBuild', checkBuild, () => deps)(BUILD_EVENT);

    expect(results).toEqual(['resumed']);
    expect(resumed).toEqual([
      ['t-1', { output: expect.objectContaining({ image: expect.objectContaining({ digest: DIGEST }) }) }],
    ]);
    expect(bus.events.map((e) => `${String(e.detail.step)} ${String(e.detail.status)}`)).toEqual(['build SUCCEEDED']);
    expect(metrics).toEqual([{ name: 'BuildSeconds', unit: 'Seconds', value: 180, dimensions: { app: 'hello' } }]);
  });

  it('refuses an event that is not a Build State Change, naming what is wrong', async () => {
    const { deps } = setup();

    await expect(
      wakeHandler('AwaitBuild', checkBuild, () => deps)({ 'detail-type': 'Object Created', detail: {} }),
    ).rejects.toThrow(/not a CodeBuild Build State Change as EventBridge delivers it: detail-type/);
  });

  it("looks at no run for a deployment of a service none of the apps' is", async () => {
    const { deps } = setup();
    await deps.objects.put({
      key: rolloutWaitKey('hello', RUN_ID),
      body: new TextEncoder().encode('{}'),
      contentType: 'application/json',
    });

    const results = await wakeHandler(
      'AwaitRollout',
      checkBuild,
      () => deps,
    )({
      'detail-type': 'ECS Deployment State Change',
      resources: ['arn:aws:ecs:eu-west-1:123456789012:service/prod/another-service'],
      detail: { eventName: 'SERVICE_DEPLOYMENT_COMPLETED' },
    });

    expect(results).toEqual([]);
  });

  it('reads the wait on the deployment the event names at once, and lists the others only once it has resumed its run', async () => {
    const { deps, resumed } = setup();
    const ROLLING: RunState = {
      ...BUILDING,
      deployment: {
        id: 'ecs-svc/7',
        taskDefinition: 'hello:2',
        revision: 2,
        state: 'IN_PROGRESS',
        deadline: '2999-01-01T00:00:00Z',
      },
    };
    let looks = 0;
    // The first look (the wait Task's) finds the rollout under way; the event's finds it completed.
    const check = async (state: RunState) =>
      looks++ === 0 ? state : { ...state, deployment: { ...state.deployment!, state: 'COMPLETED' as const } };
    await awaitHandler('AwaitRollout', check, () => deps)({ state: ROLLING, taskToken: 't-2' });
    const listing = holdListing(deps);
    let listedBeforeResume: boolean | undefined;
    const resume = deps.workflow.resume.bind(deps.workflow);
    deps.workflow.resume = async (...args: Parameters<typeof resume>) => {
      listedBeforeResume ??= listing.held();
      return resume(...args);
    };

    const looking = wakeHandler(
      'AwaitRollout',
      check,
      () => deps,
    )(helloDeployment('SERVICE_DEPLOYMENT_COMPLETED', 'ecs-svc/7'));
    const deadline = Date.now() + 5_000;
    while (resumed.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));

    expect(resumed.map(([token]) => token)).toEqual(['t-2']);
    expect(listedBeforeResume).toBe(false);
    while (!listing.held()) await new Promise((resolve) => setTimeout(resolve, 1));
    listing.release();
    expect(await looking).toEqual(['resumed']);
  });

  it('reads no wait directly for a deployment that started: its event concerns the older runs the listing finds', async () => {
    const { deps } = setup();
    const read: string[] = [];
    const getVersion = deps.objects.getVersion.bind(deps.objects);
    deps.objects.getVersion = async (key: string) => (read.push(key), getVersion(key));
    const listing = holdListing(deps);

    const looking = wakeHandler(
      'AwaitRollout',
      checkBuild,
      () => deps,
    )(helloDeployment('SERVICE_DEPLOYMENT_IN_PROGRESS', 'ecs-svc/8'));
    while (!listing.held()) await new Promise((resolve) => setTimeout(resolve, 1));
    listing.release();

    expect(await looking).toEqual([]);
    expect(read).toEqual([]);
  });
});
