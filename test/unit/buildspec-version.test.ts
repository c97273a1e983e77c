import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BUILDSPEC_PATH } from '../../buildspec/index.ts';
import { BUILDSPEC_VERSION } from '../../buildspec/version.ts';

describe('buildspec version', () => {
  it("is the sha256 of buildspec.yml, so a changed buildspec changes every app's build key", async () => {
    const actual = createHash('sha256')
      .update(await readFile(BUILDSPEC_PATH))
      .digest('hex');
    expect(
      BUILDSPEC_VERSION,
      `buildspec.yml changed: set BUILDSPEC_VERSION in buildspec/version.ts to '${actual}'`,
    ).toBe(actual);
  });
});
