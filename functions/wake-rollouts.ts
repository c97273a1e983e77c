import { wakeHandler } from '../src/edges/wait-handler.ts';
import { checkRollout } from '../src/use-cases/steps/check-rollout.ts';
import { dependencies } from './await-rollout.ts';

/** EventBridge target: ECS's Deployment State Change ends the AwaitRollout of the runs it concerns. See src/use-cases/waits.ts. */
export const handler = wakeHandler('AwaitRollout', checkRollout, dependencies);
