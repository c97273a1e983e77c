import { stepHandler } from '../src/pipeline/step-handler.ts';
import { applyLifecycle } from '../src/pipeline/steps/apply-lifecycle.ts';

/** State machine Task: see src/pipeline/steps/apply-lifecycle.ts. */
export const handler = stepHandler('ApplyLifecycle', applyLifecycle);
