import { describe, expect, it } from 'vitest';
import type { AppSummary } from '../../../src/use-cases/apps.ts';
import type { ApiClient } from '../../../src/cli/api-client.ts';
import { age, run } from '../../../src/cli/commands/apps.ts';
import type { Output } from '../../../src/cli/output.ts';

const NOW = new Date('2026-11-30T10:00:00Z');
const DIGEST = `sha256:0123456789ab${'cd'.repeat(26)}`;

const apps: AppSummary[] = [
  {
    app: 'web',
    url: 'http://127.0.0.1:8081',
    serving: {
      image: `127.0.0.1:5000/web@${DIGEST}`,
      digest: DIGEST,
      taskDefinition: 'web:4',
      revision: 4,
      runningCount: 2,
      desiredCount: 2,
    },
    lastRun: {
      runId: '01JDQ8ZV7N2W4Y6A8C0E2G4J61',
      status: 'SUCCEEDED',
      startedAt: '2026-11-30T09:55:00Z',
      stoppedAt: '2026-11-30T09:56:00Z',
      seconds: 60,
    },
    recentRuns: [],
  },
  {
    app: 'worker',
    recentRuns: [],
    problem: { name: 'TransientError', kind: 'unavailable', message: 'ECS DescribeServices was throttled; try again.' },
  },
];

function recording(): {
  out: Output & { lines: string[]; errors: string[]; events: unknown[] };
  client: ApiClient & { paths: string[] };
} {
  const lines: string[] = [];
  const errors: string[] = [];
  const events: unknown[] = [];
  const paths: string[] = [];
  const out = {
    json: false,
    lines,
    errors,
    events,
    line: (t: string) => void lines.push(t),
    event: (e: unknown) => void events.push(e),
    error: (t: string) => void errors.push(t),
  };
  const client = {
    paths,
    request: async (_method: string, path: string) => {
      paths.push(path);
      return { apps };
    },
  } as unknown as ApiClient & { paths: string[] };
  return { out, client };
}

describe('apps', () => {
  it('prints a table: app, URL, short digest, revision, running/desired, last run and its age', async () => {
    const { out, client } = recording();

    const code = await run({ json: false }, { client, out, now: () => NOW });

    expect(code).toBe(0);
    expect(client.paths).toEqual(['/apps']);
    expect(out.lines).toEqual([
      'APP     URL                    IMAGE         REVISION  TASKS  LAST RUN',
      'web     http://127.0.0.1:8081  0123456789ab  4         2/2    SUCCEEDED 5m ago',
      'worker  -                      not serving   -         -      never run',
    ]);
  });

  it('tells on stderr which app could not be read', async () => {
    const { out, client } = recording();

    await run({ json: false }, { client, out, now: () => NOW });

    expect(out.errors).toEqual(['worker: TransientError: ECS DescribeServices was throttled; try again.']);
  });

  it('prints the API answer as one JSON object with --json', async () => {
    const { out, client } = recording();

    await run({ json: true }, { client, out, now: () => NOW });

    expect(out.events).toEqual([{ apps }]);
    expect(out.lines).toEqual([]);
  });
});

describe('age', () => {
  it.each([
    ['2026-11-30T09:59:48Z', '12s ago'],
    ['2026-11-30T09:55:00Z', '5m ago'],
    ['2026-11-30T07:00:00Z', '3h ago'],
    ['2026-11-28T10:00:00Z', '2d ago'],
  ])('%s → %s', (then, expected) => {
    expect(age(Date.parse(then), NOW)).toBe(expected);
  });
});
