import { stepHandler } from '../src/pipeline/step-handler.ts';
import { checkBuild } from '../src/pipeline/steps/check-build.ts';

/** State machine Task: see src/pipeline/steps/check-build.ts. */
export const handler = stepHandler('CheckBuild', checkBuild);
