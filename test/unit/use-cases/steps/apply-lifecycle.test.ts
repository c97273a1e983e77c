import { describe, expect, it } from 'vitest';
import { SlipwayError, TransientError } from '../../../../src/domain/errors.ts';
import { imageTags } from '../../../../src/domain/image-tags.ts';
import type { RunState, Trigger } from '../../../../src/domain/run-state.ts';
import type { Logger } from '../../../../src/ports/logger.ts';
import { applyLifecycle } from '../../../../src/use-cases/steps/apply-lifecycle.ts';
import { DIGEST, fakeDependencies, FakeRegistry, testConfig } from '../../../support/fakes.ts';
import { INPUT } from '../../../support/run-machine.ts';

const KEY = 'ab'.repeat(32);
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const TIDY = { lifecycle: [{ selection: { tagPatternList: ['*'] }, maximumNumberOfImages: 3 }] };

/** The state ApplyLifecycle gets: the build pushed the image under the run id. */
function built(trigger: Trigger, buildKey?: string): RunState {
  return {
    ...INPUT,
    trigger,
    ...(buildKey && { buildKey }),
    image: {
      repository: 'registry.example/hello',
      digest: DIGEST,
      tags: imageTags(INPUT.runId, trigger, buildKey),
      reference: `registry.example/hello@${DIGEST}`,
    },
  };
}

function recordingLogger() {
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (message, fields) => warnings.push({ message, ...(fields && { fields }) }),
    error() {},
  };
  return { logger, warnings };
}

describe('ApplyLifecycle names the built image in the registry', () => {
  it.each([
    {
      name: 'a push with its commit and build key',
      trigger: { kind: 'webhook', commit: COMMIT } as Trigger,
      key: KEY,
      added: ['git-0123456', `key-${KEY}`],
    },
    { name: 'an upload with a build key', trigger: INPUT.trigger, key: KEY, added: [`key-${KEY}`] },
    { name: 'an upload without a key (not a readable tar.gz)', trigger: INPUT.trigger, key: undefined, added: [] },
    {
      name: 'a commit that is not hex',
      trigger: { kind: 'webhook', commit: 'main' } as Trigger,
      key: undefined,
      added: [],
    },
  ])('$name: tags $added, before the rules count the images', async ({ trigger, key, added }) => {
    const registry = new FakeRegistry([{ digest: DIGEST, tags: [INPUT.runId], pushedAt: '2026-11-30T09:59:00Z' }]);
    const seenByRules: string[][] = [];
    registry.applyLifecyclePolicy = async () => {
      seenByRules.push((await registry.listImages())[0]!.tags);
      return { policyChanged: true, expired: [] };
    };
    const deps = fakeDependencies({ config: testConfig({ hello: TIDY }), registry });

    const next = await applyLifecycle(built(trigger, key), deps);

    expect(registry.tagged.map((t) => [t.digest, t.tag])).toEqual(added.map((tag) => [DIGEST, tag]));
    expect(seenByRules).toEqual([[INPUT.runId, ...added]]);
    expect(next.image?.tags).toEqual([INPUT.runId, ...added]);
  });

  it('names the image even for an app without lifecycle rules', async () => {
    const registry = new FakeRegistry([{ digest: DIGEST, tags: [INPUT.runId], pushedAt: '2026-11-30T09:59:00Z' }]);
    const deps = fakeDependencies({ config: testConfig({ hello: {} }), registry });

    const next = await applyLifecycle(built(INPUT.trigger, KEY), deps);

    expect(registry.tagged.map((t) => t.tag)).toEqual([`key-${KEY}`]);
    expect(next.lifecycle).toEqual({ policyChanged: false, expired: [] });
  });

  it('goes on when the registry refuses a tag: the run deploys the good image, the warning says what is lost', async () => {
    const registry = new FakeRegistry([{ digest: DIGEST, tags: [INPUT.runId], pushedAt: '2026-11-30T09:59:00Z' }]);
    registry.tagImage = async (_repository, _digest, tag) => {
      if (tag.startsWith('key-')) throw new SlipwayError(`ImageTagAlreadyExistsException: ${tag} (immutable tags)`);
    };
    const { logger, warnings } = recordingLogger();
    const deps = fakeDependencies({ config: testConfig({ hello: TIDY }), registry, logger });

    const next = await applyLifecycle(built({ kind: 'webhook', commit: COMMIT }, KEY), deps);

    expect(next.image?.tags).toEqual([INPUT.runId, 'git-0123456']);
    expect(next.lifecycle?.policyChanged).toBe(true);
    expect(warnings).toEqual([
      {
        message: 'image not tagged',
        fields: expect.objectContaining({
          tag: `key-${KEY}`,
          error: expect.stringContaining('immutable tags'),
          consequence: 'the next deploy of the same files builds again instead of reusing this image',
        }),
      },
    ]);
  });

  it('throws a transient failure for the state machine to retry (tagging again is harmless)', async () => {
    const registry = new FakeRegistry([{ digest: DIGEST, tags: [INPUT.runId], pushedAt: '2026-11-30T09:59:00Z' }]);
    registry.tagImage = async () => {
      throw new TransientError('the registry answered 503');
    };
    const deps = fakeDependencies({ registry });

    await expect(applyLifecycle(built(INPUT.trigger, KEY), deps)).rejects.toBeInstanceOf(TransientError);
  });
});
