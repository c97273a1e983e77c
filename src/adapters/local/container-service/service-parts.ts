import type { Logger } from '../../../ports/logger.ts';
import type { DockerCli } from './docker.ts';
import type { AppProxy } from './proxy.ts';
import type { StateStore } from './state-store.ts';
import type { TaskLauncher } from './task-launcher.ts';

/** What DockerContainerService shares with the parts doing its background work (DesiredState, Rollouts). */
export interface ServiceParts {
  docker: DockerCli;
  store: StateStore;
  /** The `slipway.stack` label of this stack's containers. */
  stack: string;
  launcher: TaskLauncher;
  now: () => Date;
  logger: Logger;
  /** The app's lock: steps that read and write its service state run one at a time. */
  exclusive: <T>(app: string, step: () => Promise<T>) => Promise<T>;
  /** The app's proxy, opened if it is not yet. */
  proxyFor: (app: string) => Promise<AppProxy>;
}
