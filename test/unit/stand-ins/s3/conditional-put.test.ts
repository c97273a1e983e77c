import { describe, expect, it } from 'vitest';
import {
  KeyedLock,
  preconditionFailure,
  putCondition,
  withoutConditions,
  type PutCondition,
} from '../../../../src/stand-ins/s3/conditional-put.ts';

describe('putCondition', () => {
  it.each<[string, string, Record<string, string>, string, PutCondition | undefined]>([
    ['If-None-Match on a PutObject', 'PUT', { 'if-none-match': '*' }, 'x-id=PutObject', { ifNoneMatch: '*' }],
    [
      'If-Match on a presigned PUT',
      'PUT',
      { 'if-match': '"abc"' },
      'X-Amz-Signature=1&X-Amz-Date=2',
      { ifMatch: '"abc"' },
    ],
    ['a PUT without a condition', 'PUT', {}, '', undefined],
    ['a part upload', 'PUT', { 'if-none-match': '*' }, 'partNumber=1&uploadId=2', undefined],
    ['a copy', 'PUT', { 'if-none-match': '*', 'x-amz-copy-source': '/b/k' }, '', undefined],
    ['a GET', 'GET', { 'if-none-match': '"abc"' }, '', undefined],
  ])('%s', (_name, method, headers, query, condition) => {
    expect(putCondition(method, headers, query)).toEqual(condition);
  });
});

describe('preconditionFailure', () => {
  it.each<[string, PutCondition, string | undefined, number | undefined]>([
    ['creates a missing object', { ifNoneMatch: '*' }, undefined, undefined],
    ['refuses to create over an object', { ifNoneMatch: '*' }, '"abc"', 412],
    ['replaces the version read', { ifMatch: '"abc"' }, '"abc"', undefined],
    ['replaces the version read, quotes or not', { ifMatch: 'abc' }, '"abc"', undefined],
    ['refuses another version', { ifMatch: '"abc"' }, '"def"', 412],
    ['answers If-Match on a missing key 404', { ifMatch: '"abc"' }, undefined, 404],
  ])('%s', (_name, condition, etag, status) => {
    expect(preconditionFailure(condition, etag)?.status).toBe(status);
  });

  it('drops the condition headers before the request reaches s3rver', () => {
    expect(withoutConditions({ 'if-match': '"a"', 'if-none-match': '*', host: 'h' })).toEqual({ host: 'h' });
  });
});

describe('KeyedLock', () => {
  it('runs the tasks of one key one at a time, in order, and goes on after a failure', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await Promise.resolve();
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
      };
    await Promise.allSettled([lock.run('k', task('a', true)), lock.run('k', task('b')), lock.run('other', task('c'))]);
    expect(log.indexOf('end a')).toBeLessThan(log.indexOf('start b'));
    expect(log).toContain('end c');
  });
});
