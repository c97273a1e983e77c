import { wakeHandler } from '../src/edges/wait-handler.ts';
import { checkBuild } from '../src/use-cases/steps/check-build.ts';
import { dependencies } from './await-build.ts';

/** EventBridge target: CodeBuild's Build State Change (a build ended) ends the run's AwaitBuild. See src/use-cases/waits.ts. */
export const handler = wakeHandler('AwaitBuild', checkBuild, dependencies);
