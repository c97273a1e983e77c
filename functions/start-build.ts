import { stepHandler } from '../src/pipeline/step-handler.ts';
import { startBuild } from '../src/pipeline/steps/start-build.ts';

/** State machine Task: see src/pipeline/steps/start-build.ts. */
export const handler = stepHandler('StartBuild', startBuild);
