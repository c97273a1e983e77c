import { stepHandler } from '../src/pipeline/step-handler.ts';
import { prepare } from '../src/pipeline/steps/prepare.ts';

/** State machine Task: see src/pipeline/steps/prepare.ts. */
export const handler = stepHandler('Prepare', prepare);
