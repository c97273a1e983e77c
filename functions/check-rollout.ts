import { stepHandler } from '../src/pipeline/step-handler.ts';
import { checkRollout } from '../src/pipeline/steps/check-rollout.ts';

/** State machine Task: see src/pipeline/steps/check-rollout.ts. */
export const handler = stepHandler('CheckRollout', checkRollout);
