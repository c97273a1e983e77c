import { describe, expect, it } from 'vitest';
import { previewLifecycle } from '../../../src/use-cases/lifecycle-preview.ts';
import { LifecyclePreviewPendingError, NoLifecycleRulesError, UnknownAppError } from '../../../src/domain/errors.ts';
import { fakeDependencies, FakeRegistry, testConfig } from '../../support/fakes.ts';

const NEW = `sha256:${'0a'.repeat(32)}`;
const OLD = `sha256:${'0b'.repeat(32)}`;
const TIDY = {
  repository: 'tidy-images',
  keepReleases: 1,
  lifecycle: [{ selection: { tagPatternList: ['*'] }, maximumNumberOfImages: 1 }],
};

describe('previewLifecycle', () => {
  it("previews the app's policy, release rule first, against its repository", async () => {
    const registry = new FakeRegistry([
      { digest: NEW, tags: ['01NEW'], pushedAt: '2026-11-30T09:00:00Z' },
      { digest: OLD, tags: ['01OLD', 'slipway-release-1'], pushedAt: '2026-11-29T09:00:00Z' },
    ]);
    const deps = fakeDependencies({ config: testConfig({ tidy: TIDY }), registry });

    const answer = await previewLifecycle('tidy', deps);

    expect(answer).toMatchObject({
      app: 'tidy',
      repository: 'tidy-images',
      status: 'COMPLETE',
      expired: [],
      transitioned: [],
      kept: [
        { digest: NEW, tags: ['01NEW'] },
        { digest: OLD, tags: ['01OLD', 'slipway-release-1'] },
      ],
    });
    expect(answer.status === 'COMPLETE' && answer.policy.rules[0]?.selection.tagPrefixList).toEqual([
      'slipway-release-',
    ]);
  });

  it('answers IN_PROGRESS with the reason while the registry is still previewing', async () => {
    const registry = new FakeRegistry();
    registry.previewLifecyclePolicy = async (repository) => {
      throw new LifecyclePreviewPendingError(repository, 25);
    };
    const deps = fakeDependencies({ config: testConfig({ tidy: TIDY }), registry });

    await expect(previewLifecycle('tidy', deps)).resolves.toEqual({
      app: 'tidy',
      repository: 'tidy-images',
      status: 'IN_PROGRESS',
      message: expect.stringContaining('still previewing the lifecycle policy of repository "tidy-images" after 25s'),
    });
  });

  it('refuses an app without lifecycle rules, saying how to add them', async () => {
    const deps = fakeDependencies({ config: testConfig({ bare: {} }) });

    await expect(previewLifecycle('bare', deps)).rejects.toThrow(NoLifecycleRulesError);
    await expect(previewLifecycle('bare', deps)).rejects.toThrow(/Add apps\.bare\.lifecycle to slipway\.config\.json/);
  });

  it('refuses an unknown app', async () => {
    await expect(previewLifecycle('nope', fakeDependencies())).rejects.toBeInstanceOf(UnknownAppError);
  });
});
