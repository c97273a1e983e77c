import { describe, expect, it } from 'vitest';
import {
  claimMarker,
  compareRunIds,
  decideDeploy,
  DEPLOY_LEASE_SECONDS,
  parseDeployMarker,
  supersededBy,
  type DeployMarker,
} from '../../../src/domain/deploy-guard.ts';

const OLDER = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';
const RUN = '01JDQ9000000000000000000AA';
const NEWER = '01JDQ9000000000000000000AB';
const NOW = new Date('2026-01-01T00:00:00.000Z');
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();
const marker = (runId: string, phase: DeployMarker['phase'], leaseSeconds = 60): DeployMarker => ({
  runId,
  phase,
  leaseUntil: later(leaseSeconds),
});

describe('decideDeploy', () => {
  it.each<[string, DeployMarker | undefined, ReturnType<typeof decideDeploy>]>([
    ['no marker: claim', undefined, { action: 'claim' }],
    ['an older run finished moving the service: claim', marker(OLDER, 'updated'), { action: 'claim' }],
    [
      'an older run is moving the service: wait for it',
      marker(OLDER, 'updating'),
      { action: 'wait', holder: OLDER, until: later(60) },
    ],
    ["an older run's lease expired: claim", marker(OLDER, 'updating', -1), { action: 'claim' }],
    ['its own claim (a retried Deploy): claim again', marker(RUN, 'updating'), { action: 'claim' }],
    ['its own finished claim: claim again', marker(RUN, 'updated'), { action: 'claim' }],
    ['a newer run is moving the service: superseded', marker(NEWER, 'updating'), { action: 'superseded', by: NEWER }],
    ['a newer run moved the service: superseded', marker(NEWER, 'updated'), { action: 'superseded', by: NEWER }],
    [
      "a newer run's lease expired: still superseded",
      marker(NEWER, 'updating', -1),
      { action: 'superseded', by: NEWER },
    ],
  ])('%s', (_name, current, decision) => {
    expect(decideDeploy(current, RUN, NOW)).toEqual(decision);
  });
});

describe('supersededBy', () => {
  it.each<[string, DeployMarker | undefined, string | undefined]>([
    ['no marker', undefined, undefined],
    ['its own marker', marker(RUN, 'updated'), undefined],
    ['an older marker', marker(OLDER, 'updating'), undefined],
    ['a newer marker', marker(NEWER, 'updating'), NEWER],
  ])('%s', (_name, current, by) => {
    expect(supersededBy(current, RUN)).toBe(by);
  });
});

describe('deploy marker', () => {
  it('orders run ids by their time, then their random part', () => {
    expect([NEWER, OLDER, RUN].sort(compareRunIds)).toEqual([OLDER, RUN, NEWER]);
  });

  it('leases a claim for longer than the Deploy step may run', () => {
    expect(claimMarker(RUN, NOW)).toEqual({ runId: RUN, phase: 'updating', leaseUntil: later(DEPLOY_LEASE_SECONDS) });
    expect(DEPLOY_LEASE_SECONDS).toBeGreaterThan(60);
  });

  it.each(['', 'null', '{"runId":1}', '{"runId":"x","phase":"other","leaseUntil":"t"}', 'not json'])(
    'reads %j as no marker',
    (text) => {
      expect(parseDeployMarker(text)).toBeUndefined();
    },
  );

  it('reads back what it writes', () => {
    expect(parseDeployMarker(JSON.stringify(claimMarker(RUN, NOW)))).toEqual(claimMarker(RUN, NOW));
  });
});
