import { beforeEach, describe, expect, it } from 'vitest';
import { ReleaseTagError, TransientError } from '../../../../src/domain/errors.ts';
import { ImageNotFoundError } from '../../../../src/ports/image-registry.ts';
import type { RunState } from '../../../../src/domain/run-state.ts';
import { runView } from '../../../../src/domain/run-view.ts';
import { applyLifecycle } from '../../../../src/use-cases/steps/apply-lifecycle.ts';
import { checkRollout } from '../../../../src/use-cases/steps/check-rollout.ts';
import type { RegistryImage } from '../../../../src/ports/image-registry.ts';
import {
  DIGEST,
  fakeDependencies,
  FakeContainers,
  FakeRegistry,
  testConfig,
  type FakeObjects,
} from '../../../support/fakes.ts';
import { INPUT, localWorkflow, runToEnd } from '../../../support/run-machine.ts';

const OLD = `sha256:${'01'.repeat(32)}`;
const OLDER = `sha256:${'02'.repeat(32)}`;
const TIDY = { keepReleases: 2, lifecycle: [{ selection: { tagPatternList: ['*'] }, maximumNumberOfImages: 1 }] };

const images = (): RegistryImage[] => [
  { digest: DIGEST, tags: [INPUT.runId], pushedAt: '2026-11-30T09:59:00Z' },
  { digest: OLD, tags: ['01OLD', 'slipway-release-1'], pushedAt: '2026-11-29T10:00:00Z' },
  { digest: OLDER, tags: ['01OLDER', 'slipway-release-2'], pushedAt: '2026-11-28T10:00:00Z' },
];

/** The state CheckRollout sees once Deploy has run. */
const deployed: RunState = {
  ...INPUT,
  image: {
    repository: 'registry.example/hello',
    digest: DIGEST,
    tags: [INPUT.runId],
    reference: `registry.example/hello@${DIGEST}`,
  },
  deployment: {
    id: 'dep-1',
    taskDefinition: 'hello:2',
    revision: 2,
    state: 'IN_PROGRESS',
    deadline: '2026-11-30T10:05:00Z',
  },
};
const completed = () =>
  new FakeContainers([{ state: 'COMPLETED', runningCount: 1, desiredCount: 1, url: 'http://127.0.0.1:9999' }]);

describe('keepReleases in CheckRollout', () => {
  it('tags the image of a completed rollout as the newest release and shifts the older ones down', async () => {
    const registry = new FakeRegistry(images());
    const deps = fakeDependencies({ config: testConfig({ hello: TIDY }), registry, containers: completed() });

    const next = await checkRollout(deployed, deps);

    expect(registry.tagged.map((t) => [t.tag, t.digest])).toEqual([
      ['slipway-release-2', OLD],
      ['slipway-release-1', DIGEST],
    ]);
    expect(next.release).toEqual({ tag: 'slipway-release-1', digest: DIGEST, keep: 2 });
  });

  it('tags nothing while the rollout is in progress', async () => {
    const registry = new FakeRegistry(images());
    const deps = fakeDependencies({
      config: testConfig({ hello: TIDY }),
      registry,
      containers: new FakeContainers([{ state: 'IN_PROGRESS', runningCount: 0, desiredCount: 1 }]),
    });

    const next = await checkRollout(deployed, deps);

    expect(registry.tagged).toEqual([]);
    expect(next.release).toBeUndefined();
  });

  it('tags nothing for an app without keepReleases', async () => {
    const registry = new FakeRegistry(images());
    const deps = fakeDependencies({ registry, containers: completed() });

    const next = await checkRollout(deployed, deps);

    expect(registry.tagged).toEqual([]);
    expect(next).not.toHaveProperty('release');
  });

  it('fails with ReleaseTagError naming the app, the digest and what to do when the image cannot be tagged', async () => {
    const registry = new FakeRegistry([]);
    const deps = fakeDependencies({ config: testConfig({ hello: TIDY }), registry, containers: completed() });

    const error = (await checkRollout(deployed, deps).catch((e: unknown) => e)) as ReleaseTagError;

    expect(error).toBeInstanceOf(ReleaseTagError);
    expect(error).toMatchObject({ name: 'ReleaseTagError', app: 'hello', digest: DIGEST });
    expect(error.message).toContain(
      `The rollout of app "hello" completed and ${DIGEST} serves, but tagging it slipway-release-1 failed`,
    );
    expect(error.cause).toBeInstanceOf(ImageNotFoundError);
  });

  it('lets a transient failure through for the state machine to retry', async () => {
    const registry = new FakeRegistry(images());
    registry.tagImage = async () => {
      throw new TransientError('throttled');
    };
    const deps = fakeDependencies({ config: testConfig({ hello: TIDY }), registry, containers: completed() });

    await expect(checkRollout(deployed, deps)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('keepReleases in ApplyLifecycle', () => {
  it('puts the release rule first', async () => {
    const registry = new FakeRegistry(images());
    const deps = fakeDependencies({ config: testConfig({ hello: TIDY }), registry });

    await applyLifecycle(deployed, deps);

    const policy = registry.policies[0] as {
      rules: { rulePriority: number; selection: { tagPrefixList?: string[]; tagPatternList?: string[] } }[];
    };
    expect(policy.rules.map((r) => [r.rulePriority, r.selection.tagPrefixList ?? r.selection.tagPatternList])).toEqual([
      [1, ['slipway-release-']],
      [2, ['*']],
    ]);
  });

  it('moves release tags past a lowered keepReleases onto the newest release before the policy counts them', async () => {
    const registry = new FakeRegistry(images());
    const deps = fakeDependencies({ config: testConfig({ hello: { ...TIDY, keepReleases: 1 } }), registry });
    let tagsWhenApplied: string[] = [];
    const apply = registry.applyLifecyclePolicy.bind(registry);
    registry.applyLifecyclePolicy = async (repository, policy) => {
      tagsWhenApplied = (await registry.listImages()).find((i) => i.digest === OLDER)?.tags ?? [];
      return apply(repository, policy);
    };

    await applyLifecycle(deployed, deps);

    expect(registry.tagged.map((t) => [t.tag, t.digest])).toEqual([['slipway-release-2', OLD]]);
    expect(tagsWhenApplied).toEqual(['01OLDER']);
  });
});

describe('keepReleases through the state machine', () => {
  let deps: ReturnType<typeof fakeDependencies>;

  beforeEach(async () => {
    deps = fakeDependencies({ config: testConfig({ hello: TIDY }), registry: new FakeRegistry(images()) });
    await (deps.objects as FakeObjects).put({ key: INPUT.context.key, body: new Uint8Array(10), metadata: {} });
  });

  it('records the release in the run once the rollout completes', async () => {
    const view = runView(await runToEnd(await localWorkflow(deps)));

    expect(view.status).toBe('SUCCEEDED');
    expect(view.release).toEqual({ tag: 'slipway-release-1', digest: DIGEST, keep: 2 });
    expect((await deps.registry.listImages()).find((i) => i.digest === DIGEST)?.tags).toContain('slipway-release-1');
  });
});
