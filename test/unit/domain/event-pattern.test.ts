import { describe, expect, it } from 'vitest';
import { matchesPattern, type EventPattern } from '../../../src/domain/event-pattern.ts';

const s3Event = {
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: 'ctx' }, object: { key: 'contexts/hello/x.tar.gz', size: 120 }, tags: ['a', 'b'] },
};

const objectCreated: EventPattern = {
  source: ['aws.s3'],
  'detail-type': ['Object Created'],
  detail: { bucket: { name: ['ctx'] }, object: { key: [{ prefix: 'contexts/' }] } },
};

describe('event-pattern', () => {
  it.each<[string, EventPattern, boolean]>([
    ['the serverless.yml pattern', objectCreated, true],
    ['another bucket', { detail: { bucket: { name: ['other'] } } }, false],
    ['another prefix', { detail: { object: { key: [{ prefix: 'uploads/' }] } } }, false],
    ['suffix', { detail: { object: { key: [{ suffix: '.tar.gz' }] } } }, true],
    ['anything-but a value', { source: [{ 'anything-but': 'aws.ec2' }] }, true],
    ['anything-but the value', { source: [{ 'anything-but': ['aws.s3'] }] }, false],
    ['anything-but a prefix', { source: [{ 'anything-but': { prefix: 'aws.' } }] }, false],
    ['exists true', { detail: { object: { size: [{ exists: true }] } } }, true],
    ['exists false on a present field', { detail: { object: { size: [{ exists: false }] } } }, false],
    ['exists false on a missing field', { detail: { object: { etag: [{ exists: false }] } } }, true],
    ['numeric range', { detail: { object: { size: [{ numeric: ['>', 100, '<=', 120] }] } } }, true],
    ['numeric outside', { detail: { object: { size: [{ numeric: ['<', 100] }] } } }, false],
    ['equals-ignore-case', { 'detail-type': [{ 'equals-ignore-case': 'object created' }] }, true],
    ['wildcard', { detail: { object: { key: [{ wildcard: 'contexts/*/*.tar.gz' }] } } }, true],
    ['any element of an array value', { detail: { tags: ['b'] } }, true],
    ['a missing field', { detail: { nope: ['x'] } }, false],
    ['one of several values', { source: ['aws.ec2', 'aws.s3'] }, true],
  ])('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, s3Event)).toBe(expected);
  });

  it('refuses an operator it does not know, instead of matching silently', () => {
    expect(() => matchesPattern({ source: [{ cidr: '10.0.0.0/8' }] }, s3Event)).toThrow('"cidr" is not supported');
  });
});
