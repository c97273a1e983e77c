import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config-schema.ts';

describe('config-schema', () => {
  it('matches the committed slipway.schema.json (run npm run schema after changing the config schema)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../slipway.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });

  it('forbids unknown keys, as the validator does', () => {
    expect(configJsonSchema()).toMatchObject({ additionalProperties: false });
  });
});
