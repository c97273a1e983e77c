import { beforeEach, describe, expect, it } from 'vitest';
import { BUILDSPEC_VERSION } from '../../../buildspec/version.ts';
import { buildKeyTag, buildSettings } from '../../../src/domain/build-key.ts';
import { appConfig } from '../../../src/domain/config.ts';
import { buildKeyOfArchive } from '../../../src/use-cases/build-key.ts';
import { chunked, tarGz } from '../../support/tar.ts';
import { TransientError } from '../../../src/domain/errors.ts';
import { runSummary, runView } from '../../../src/domain/run-view.ts';
import {
  DIGEST,
  fakeDependencies,
  FakeBuilds,
  FakeContainers,
  type FakeObjects,
  type RecordingBus,
} from '../../support/fakes.ts';
import { INPUT, localWorkflow, runToEnd } from '../../support/run-machine.ts';

describe('state machine', () => {
  let deps: ReturnType<typeof fakeDependencies>;

  beforeEach(async () => {
    deps = fakeDependencies();
    await (deps.objects as FakeObjects).put({ key: INPUT.context.key, body: new Uint8Array(10), metadata: {} });
  });

  it('runs every step to success and ends with the URL', async () => {
    const history = await runToEnd(await localWorkflow(deps));
    const view = runView(history);
    expect(view.status).toBe('SUCCEEDED');
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['prepare', 'SUCCEEDED'],
      ['build', 'SUCCEEDED'],
      ['lifecycle', 'SUCCEEDED'],
      ['deploy', 'SUCCEEDED'],
      ['rollout', 'SUCCEEDED'],
    ]);
    expect(view.image).toEqual({ repository: 'registry.example/hello', digest: DIGEST, tags: [INPUT.runId] });
    expect(view.url).toBe('http://127.0.0.1:9999');
    expect(view.trigger).toEqual({ kind: 'upload', source: 'dev@laptop' });
  });

  it('deploys the image pinned by digest', async () => {
    await runToEnd(await localWorkflow(deps));
    expect(deps.containers.deployed).toEqual([
      expect.objectContaining({ app: 'hello', image: `registry.example/hello@${DIGEST}` }),
    ]);
  });

  it('applies the article lifecycle rule as an ECR policy', async () => {
    await runToEnd(await localWorkflow(deps));
    expect(deps.registry.policies).toEqual([
      {
        rules: [
          expect.objectContaining({
            rulePriority: 1,
            selection: expect.objectContaining({
              tagStatus: 'untagged',
              countType: 'sinceImagePushed',
              countUnit: 'days',
              countNumber: 7,
            }),
            action: { type: 'expire' },
          }),
        ],
      },
    ]);
  });

  it('fails in build with the reason and what still serves, without deploying', async () => {
    deps.builds = new FakeBuilds([
      {
        status: 'FAILED',
        phase: 'BUILD',
        failure: { phase: 'BUILD', message: 'RUN exit 1' },
        logTail: ['step 2/3', 'boom'],
      },
    ]) as never;
    deps.containers.serving_ = {
      image: 'registry.example/hello@sha256:old',
      taskDefinition: 'hello:1',
      revision: 1,
      url: 'http://127.0.0.1:9999',
    };
    const view = runView(await runToEnd(await localWorkflow(deps)));
    expect(view.status).toBe('FAILED');
    expect(view.error).toMatchObject({ step: 'build', name: 'BuildFailedError' });
    expect(view.error?.message).toContain('failed in BUILD: RUN exit 1');
    expect(view.error?.message).toContain('boom');
    expect(view.serving).toEqual({
      image: 'registry.example/hello@sha256:old',
      revision: 1,
      url: 'http://127.0.0.1:9999',
    });
    expect(view.steps.find((s) => s.name === 'deploy')?.status).toBe('SKIPPED');
    expect(deps.containers.deployed).toEqual([]);
  });

  it('names the missing Dockerfile and the app', async () => {
    deps.builds = new FakeBuilds([
      {
        status: 'FAILED',
        phase: 'PRE_BUILD',
        failure: { phase: 'PRE_BUILD', message: 'DockerfileNotFound: Dockerfile' },
      },
    ]) as never;
    const view = runView(await runToEnd(await localWorkflow(deps)));
    expect(view.error).toEqual({
      step: 'build',
      name: 'DockerfileNotFoundError',
      message:
        'No Dockerfile at the root of the context for app "hello" (looked for "Dockerfile"). Add one or set apps.hello.dockerfile.',
    });
  });

  it('fails in rollout with the reason when the new version never gets healthy', async () => {
    deps.containers = new FakeContainers([
      { state: 'FAILED', reason: 'container exited with code 1', runningCount: 0, desiredCount: 1 },
    ]) as never;
    const view = runView(await runToEnd(await localWorkflow(deps)));
    expect(view.error).toMatchObject({ step: 'rollout', name: 'RolloutFailedError' });
    expect(view.error?.message).toContain('container exited with code 1');
  });

  it('fails in prepare when the context is missing', async () => {
    deps.objects.objects.clear();
    const view = runView(await runToEnd(await localWorkflow(deps)));
    expect(view.error).toMatchObject({ step: 'prepare', name: 'ContextNotFoundError' });
    expect(view.steps.find((s) => s.name === 'build')?.status).toBe('SKIPPED');
  });

  it('retries a transient error and succeeds, counting the retry', async () => {
    let calls = 0;
    const ensure = deps.registry.ensureRepository.bind(deps.registry);
    deps.registry.ensureRepository = async (name) => {
      calls += 1;
      if (calls === 1) throw new TransientError('throttled');
      return ensure(name);
    };
    const view = runView(await runToEnd(await localWorkflow(deps)));
    expect(view.status).toBe('SUCCEEDED');
    expect(view.steps.find((s) => s.name === 'prepare')?.retries).toBe(1);
  });

  it('starts one execution per run id', async () => {
    const workflow = await localWorkflow(deps);
    expect(await workflow.start(INPUT)).toEqual({ started: true });
    expect(await workflow.start(INPUT)).toEqual({ started: false });
    await workflow.idle();
    expect(await workflow.list({ limit: 10 })).toHaveLength(1);
  });

  it('deploys a rollback image without building or tidying', async () => {
    const image = {
      repository: 'registry.example/hello',
      digest: DIGEST,
      tags: ['01JDQ8ZV7N2W4Y6A8C0E2G4J60'],
      reference: `registry.example/hello@${DIGEST}`,
    };
    const view = runView(
      await runToEnd(await localWorkflow(deps), {
        ...INPUT,
        trigger: { kind: 'rollback', source: '01JDQ8ZV7N2W4Y6A8C0E2G4J60' },
        image,
      }),
    );
    expect(view.status).toBe('SUCCEEDED');
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['prepare', 'SUCCEEDED'],
      ['build', 'SKIPPED'],
      ['lifecycle', 'SKIPPED'],
      ['deploy', 'SUCCEEDED'],
      ['rollout', 'SUCCEEDED'],
    ]);
    expect(deps.builds.started).toEqual([]);
    expect(deps.containers.deployed).toEqual([expect.objectContaining({ image: image.reference })]);
  });

  it('names deploy as the failed step of a rollback that cannot deploy', async () => {
    const image = {
      repository: 'registry.example/hello',
      digest: DIGEST,
      tags: [],
      reference: `registry.example/hello@${DIGEST}`,
    };
    deps.containers.deploy = async () => {
      throw new Error('service gone');
    };
    const view = runView(await runToEnd(await localWorkflow(deps), { ...INPUT, trigger: { kind: 'rollback' }, image }));
    expect(view.error).toMatchObject({ step: 'deploy', message: 'service gone' });
  });

  it('announces each step change on the bus, in order', async () => {
    await runToEnd(await localWorkflow(deps));
    const changes = (deps.events as RecordingBus).events.map(
      (e) => `${e.detailType}:${e.detail.step}:${e.detail.status}`,
    );
    expect(changes).toEqual([
      'Run Step Changed:prepare:RUNNING',
      'Run Step Changed:prepare:SUCCEEDED',
      'Run Step Changed:build:RUNNING',
      'Run Step Changed:build:SUCCEEDED',
      'Run Step Changed:lifecycle:RUNNING',
      'Run Step Changed:lifecycle:SUCCEEDED',
      'Run Step Changed:deploy:RUNNING',
      'Run Step Changed:deploy:SUCCEEDED',
      'Run Step Changed:rollout:RUNNING',
      'Run Step Changed:rollout:SUCCEEDED',
    ]);
    expect((deps.events as RecordingBus).events.at(-1)).toMatchObject({
      source: 'slipway',
      detail: { runId: INPUT.runId, app: 'hello', url: 'http://127.0.0.1:9999' },
    });
  });

  it('announces the failed step with its error', async () => {
    deps.builds = new FakeBuilds([
      { status: 'FAILED', phase: 'BUILD', failure: { phase: 'BUILD', message: 'RUN exit 1' } },
    ]) as never;
    await runToEnd(await localWorkflow(deps));
    expect((deps.events as RecordingBus).events.at(-1)?.detail).toMatchObject({
      step: 'build',
      status: 'FAILED',
      error: { name: 'BuildFailedError' },
    });
  });

  it('still deploys when the bus refuses the announcements', async () => {
    deps.events = {
      publish: async () => {
        throw new Error('bus down');
      },
    };
    expect(runView(await runToEnd(await localWorkflow(deps))).status).toBe('SUCCEEDED');
  });
});

describe('state machine with build keys', () => {
  let deps: ReturnType<typeof fakeDependencies>;
  let tag: string;
  const serving = {
    image: `registry.example/hello@${DIGEST}`,
    taskDefinition: 'hello:3',
    revision: 3,
    url: 'http://127.0.0.1:9999',
  };

  beforeEach(async () => {
    deps = fakeDependencies();
    const files = [{ path: 'Dockerfile', body: 'FROM busybox\n' }];
    await deps.objects.put({ key: INPUT.context.key, body: tarGz(files), contentType: 'application/gzip' });
    const settings = buildSettings(appConfig(deps.config, 'hello'), BUILDSPEC_VERSION);
    tag = buildKeyTag(await buildKeyOfArchive(chunked(tarGz(files)), { contextPath: '.', settings }));
  });

  it('tags a new build with its build key: the build pushes the run id, ApplyLifecycle adds the key in the registry', async () => {
    const view = runView(await runToEnd(await localWorkflow(deps)));

    expect(view.image?.tags).toEqual([INPUT.runId, tag]);
    expect(deps.builds.started[0]?.imageTags).toEqual([INPUT.runId]);
    expect(deps.registry.tagged).toEqual([{ repository: 'hello', digest: DIGEST, tag }]);
    expect(deps.registry.images).toEqual([expect.objectContaining({ digest: DIGEST, tags: [INPUT.runId, tag] })]);
  });

  it('deploys the image the repository holds for the key, skipping build and lifecycle, with why', async () => {
    deps.registry.images = [{ digest: DIGEST, tags: [tag], pushedAt: '2026-11-01T00:00:00Z' }];

    const view = runView(await runToEnd(await localWorkflow(deps)));

    expect(view.status).toBe('SUCCEEDED');
    expect(view.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ['prepare', 'SUCCEEDED', undefined],
      ['build', 'SKIPPED', `the repository holds ${DIGEST} for this build key (${tag.slice(0, 16)}…)`],
      ['lifecycle', 'SKIPPED', 'no new image'],
      ['deploy', 'SUCCEEDED', undefined],
      ['rollout', 'SUCCEEDED', undefined],
    ]);
    expect(deps.builds.started).toEqual([]);
    expect(deps.registry.policies).toEqual([]);
    expect(deps.containers.deployed).toEqual([expect.objectContaining({ image: serving.image })]);
  });

  it('ends an unchanged redeploy SUCCEEDED at once: no build, no rollout, nothing moved', async () => {
    deps.registry.images = [{ digest: DIGEST, tags: [tag], pushedAt: '2026-11-01T00:00:00Z' }];
    deps.containers.serving_ = serving;
    const rollouts = deps.containers.rollouts.length;

    const workflow = await localWorkflow(deps);
    const history = await runToEnd(workflow);
    const view = runView(history);

    expect(view.status).toBe('SUCCEEDED');
    expect(runSummary((await workflow.list({ limit: 1 }))[0]!)).toMatchObject({
      status: 'SUCCEEDED',
      note: 'unchanged',
    });
    expect(view.unchanged).toEqual({
      digest: DIGEST,
      taskDefinition: 'hello:3',
      revision: 3,
      url: serving.url,
      message: `unchanged: ${DIGEST} already serves`,
    });
    expect(view.url).toBe(serving.url);
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['prepare', 'SUCCEEDED'],
      ['build', 'SKIPPED'],
      ['lifecycle', 'SKIPPED'],
      ['deploy', 'SKIPPED'],
      ['rollout', 'SKIPPED'],
    ]);
    expect(view.steps.find((s) => s.name === 'rollout')?.reason).toBe(`unchanged: ${DIGEST} already serves`);
    expect(history.events.some((e) => e.type === 'StateEntered' && e.state === 'CheckRollout')).toBe(false);
    expect(history.events.some((e) => e.type === 'StateEntered' && e.state === 'Unchanged')).toBe(true);
    expect(deps.builds.started).toEqual([]);
    expect(deps.containers.rollouts).toHaveLength(rollouts);
  });

  it('announces no build, and deploy and rollout skipped, for an unchanged redeploy', async () => {
    deps.registry.images = [{ digest: DIGEST, tags: [tag], pushedAt: '2026-11-01T00:00:00Z' }];
    deps.containers.serving_ = serving;

    await runToEnd(await localWorkflow(deps));

    const changes = (deps.events as RecordingBus).events.map((e) => `${e.detail.step}:${e.detail.status}`);
    expect(changes).toEqual([
      'prepare:RUNNING',
      'prepare:SUCCEEDED',
      'deploy:RUNNING',
      'deploy:SKIPPED',
      'rollout:SKIPPED',
    ]);
  });

  it('builds a --rebuild run even when the image for the key already serves', async () => {
    deps.registry.images = [{ digest: DIGEST, tags: [tag], pushedAt: '2026-11-01T00:00:00Z' }];
    deps.containers.serving_ = { ...serving, image: 'registry.example/hello@sha256:old' };

    const view = runView(await runToEnd(await localWorkflow(deps), { ...INPUT, rebuild: true }));

    expect(view.steps.find((s) => s.name === 'build')?.status).toBe('SUCCEEDED');
    expect(deps.builds.started).toHaveLength(1);
  });

  it('names deploy as the failed step when deploying a reused image fails', async () => {
    deps.registry.images = [{ digest: DIGEST, tags: [tag], pushedAt: '2026-11-01T00:00:00Z' }];
    deps.containers.deploy = async () => {
      throw new Error('service gone');
    };

    const view = runView(await runToEnd(await localWorkflow(deps)));

    expect(view.error).toMatchObject({ step: 'deploy', message: 'service gone' });
  });
});
