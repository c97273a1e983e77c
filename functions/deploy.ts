import { stepHandler } from '../src/pipeline/step-handler.ts';
import { deploy } from '../src/pipeline/steps/deploy.ts';

/** State machine Task: see src/pipeline/steps/deploy.ts. */
export const handler = stepHandler('Deploy', deploy);
