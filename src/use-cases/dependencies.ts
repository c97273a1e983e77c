import type { SlipwayConfig } from '../domain/config.ts';
import type { BuildLogs } from '../ports/build-logs.ts';
import type { BuildRunner } from '../ports/build-runner.ts';
import type { Clock } from '../ports/clock.ts';
import type { ContainerService } from '../ports/container-service.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { ImageRegistry } from '../ports/image-registry.ts';
import type { Logger } from '../ports/logger.ts';
import type { Metrics } from '../ports/metrics.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { SourceRepository } from '../ports/source-repository.ts';
import type { Workflow } from '../ports/workflow.ts';

/** Everything the use-cases need, built once by the composition root (AWS or local). */
export interface Dependencies {
  config: SlipwayConfig;
  objects: ObjectStore;
  builds: BuildRunner;
  buildLogs: BuildLogs;
  registry: ImageRegistry;
  containers: ContainerService;
  workflow: Workflow;
  events: EventBus;
  secrets: SecretStore;
  source: SourceRepository;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  settings: Settings;
}

export interface Settings {
  /** Bucket holding the contexts (its name goes into events and run inputs). */
  contextBucket: string;
  /** How long a presigned upload URL stays valid. */
  uploadUrlSeconds: number;
  /** How long a rollout may stay in progress before the run fails (ECS needs minutes; local seconds). */
  rolloutTimeoutSeconds: number;
}
