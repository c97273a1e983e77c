import type { RunView, StepStatus } from '../../../src/domain/run-view.ts';
import { STEPS } from '../../../src/domain/steps.ts';
import type { RunLogPage } from '../../../src/use-cases/run-logs.ts';

/** A run and its build's output pages as the API answers them, for the follow tests. */
export const RUN = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';

export function view(status: RunView['status'], steps: StepStatus[]): RunView {
  return {
    id: RUN,
    app: 'hello',
    status,
    startedAt: '2026-11-30T10:00:00.000Z',
    steps: STEPS.map((name, i) => ({
      name,
      status: steps[i] ?? 'PENDING',
      retries: 0,
      ...(steps[i] && steps[i] !== 'PENDING' && { startedAt: '2026-11-30T10:00:00.000Z' }),
    })),
    build: { id: 'b1', status: 'IN_PROGRESS', phase: 'BUILD', startedAt: '2026-11-30T10:00:00.000Z' },
  };
}

export const page = (lines: string[], cursor: string, done: boolean): RunLogPage => ({
  runId: RUN,
  lines,
  cursor,
  done,
});
