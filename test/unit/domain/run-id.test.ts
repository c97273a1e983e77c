import { describe, expect, it } from 'vitest';
import { contextKey, isAppName, isRunId, parseContextKey, runIdTime } from '../../../src/domain/run-id.ts';

const RUN = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';

describe('run-id', () => {
  it.each([
    [RUN, true],
    ['01jdq8zv7n2w4y6a8c0e2g4j6m', false],
    ['01JDQ8ZV7N2W4Y6A8C0E2G4J6', false],
    ['01JDQ8ZV7N2W4Y6A8C0E2G4J6I', false],
  ])('isRunId(%s) is %s', (value, expected) => {
    expect(isRunId(value)).toBe(expected);
  });

  it.each([
    ['hello', true],
    ['my-app-2', true],
    ['Hello', false],
    ['2app', false],
    ['', false],
  ])('isAppName(%s) is %s', (value, expected) => {
    expect(isAppName(value)).toBe(expected);
  });

  it.each([
    [`contexts/hello/${RUN}.tar.gz`, { app: 'hello', runId: RUN }],
    [`contexts/hello/${RUN}.zip`, undefined],
    [`uploads/hello/${RUN}.tar.gz`, undefined],
    [`contexts/hello/nested/${RUN}.tar.gz`, undefined],
    ['contexts/hello/not-a-ulid.tar.gz', undefined],
  ])('parseContextKey(%s)', (key, expected) => {
    expect(parseContextKey(key)).toEqual(expected);
  });

  it('round-trips a context key', () => {
    expect(parseContextKey(contextKey('web', RUN))).toEqual({ app: 'web', runId: RUN });
  });

  it('reads the time a ULID was minted', () => {
    expect(runIdTime('01ARZ3NDEKTSV4RRFFQ69G5FAV').toISOString()).toBe('2016-07-30T23:54:10.259Z');
  });
});
