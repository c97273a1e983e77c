import { describe, expect, it } from 'vitest';
import type { RunState } from '../../../src/domain/run-state.ts';
import { stepHandler } from '../../../src/edges/step-handler.ts';
import type { Logger } from '../../../src/ports/logger.ts';
import type { MetricRecord } from '../../../src/ports/metrics.ts';

const STATE: RunState = {
  runId: '01JDQ8ZV7N2W4Y6A8C0E2G4J6M',
  app: 'hello',
  trigger: { kind: 'upload' },
  context: { key: 'contexts/hello/x.tar.gz' },
};

function recorder() {
  const lines: { message: string; fields?: Record<string, unknown> }[] = [];
  const metrics: MetricRecord[] = [];
  const log = (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ message, ...(fields && { fields }) });
  const logger: Logger = { debug: log, info: log, warn: log, error: log };
  const deps = {
    logger,
    events: { publish: async () => undefined },
    metrics: { publish: (records: readonly MetricRecord[]) => void metrics.push(...records) },
    clock: { now: () => new Date('2026-12-01T10:00:00Z') },
  };
  return { lines, metrics, deps };
}

describe('stepHandler', () => {
  it('puts the run id, app and step on every line the step logs', async () => {
    const { lines, deps } = recorder();
    const handler = stepHandler(
      'Prepare',
      async (state, d: { logger: Logger }) => (d.logger.info('prepared', { extra: 1 }), state),
      () => deps,
    );

    await handler(STATE);

    expect(lines).toContainEqual({
      message: 'prepared',
      fields: { runId: STATE.runId, app: 'hello', step: 'Prepare', extra: 1 },
    });
  });

  it('publishes a FAILED run when ReportFailure ends', async () => {
    const { metrics, deps } = recorder();

    await stepHandler(
      'ReportFailure',
      async (state) => state,
      () => deps,
    )(STATE);

    expect(metrics).toEqual([
      { name: 'Runs', unit: 'Count', value: 1, dimensions: { app: 'hello', outcome: 'FAILED' } },
    ]);
  });

  it('still returns the next state when metrics cannot be published', async () => {
    const { deps, lines } = recorder();
    const broken = {
      ...deps,
      metrics: {
        publish: () => {
          throw new Error('stdout closed');
        },
      },
    };

    await expect(
      stepHandler(
        'ReportFailure',
        async (state) => state,
        () => broken,
      )(STATE),
    ).resolves.toEqual(STATE);
    expect(lines.map((l) => l.message)).toContain('could not publish run metrics');
  });

  it('announces the start while the step runs, and the end only after the start went out', async () => {
    const { deps } = recorder();
    const sent: string[] = [];
    let releaseStart!: () => void;
    const startSent = new Promise<void>((resolve) => (releaseStart = resolve));
    const bus = {
      publish: async (events: readonly { detail: { status?: string } }[]) => {
        const status = events[0]?.detail.status ?? '';
        if (status === 'RUNNING') await startSent;
        sent.push(status);
      },
    };
    const ran: string[] = [];

    const handled = stepHandler(
      'Prepare',
      async (state) => {
        ran.push(`step ran with ${sent.length} sent`);
        releaseStart();
        return state;
      },
      () => ({ ...deps, events: bus as never }),
    )(STATE);

    await expect(handled).resolves.toEqual(STATE);
    expect(ran).toEqual(['step ran with 0 sent']);
    expect(sent).toEqual(['RUNNING', 'SUCCEEDED']);
  });

  it('waits for the start announcement when the step fails, and fails as the step did', async () => {
    const { deps } = recorder();
    const sent: string[] = [];
    const bus = {
      publish: async (events: readonly { detail: { status?: string } }[]) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        sent.push(events[0]?.detail.status ?? '');
      },
    };

    await expect(
      stepHandler(
        'Prepare',
        async () => {
          throw new Error('no such context');
        },
        () => ({ ...deps, events: bus as never }),
      )(STATE),
    ).rejects.toThrow('no such context');
    expect(sent).toEqual(['RUNNING']);
  });
});
