import { stepHandler } from '../src/pipeline/step-handler.ts';
import { reportFailure } from '../src/pipeline/steps/report-failure.ts';

/** State machine Task: see src/pipeline/steps/report-failure.ts. */
export const handler = stepHandler('ReportFailure', reportFailure);
