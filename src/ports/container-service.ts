import type { CreatedService } from '../domain/config.ts';
import { SlipwayError, type ErrorKind } from '../domain/errors.ts';

/** Where the app runs: an ECS Fargate service in AWS, labelled containers on the local Docker engine locally. */
export interface ContainerService {
  /**
   * `deploy({ runId, app: 'hello', service, image: '127.0.0.1:5000/hello@sha256:…' })` registers a new
   * task-definition revision with the image pinned and moves the service to it. Returns at once;
   * `rollout` tells how the move is going. When the service already runs exactly this — the image, the
   * same task settings and count, no rollout under way — nothing is registered or moved: the answer
   * names the serving revision with `unchanged: true`.
   */
  deploy(request: DeployRequest): Promise<Deployment>;
  /** `rollout({ app, service, deploymentId })` → IN_PROGRESS, COMPLETED, or FAILED with the reason (the old version keeps serving). */
  rollout(request: { app: string; service: ServiceRef; deploymentId: string }): Promise<RolloutStatus>;
  /** `serving({ app, service })` → what serves right now (image, revision, URL), or undefined when nothing does. */
  serving(request: { app: string; service: ServiceRef }): Promise<ServingVersion | undefined>;
  /**
   * `revert({ app, service, deploymentId: 'ecs-svc/2…', taskDefinition: '…:task-definition/hello:3' })` stops a rollout that
   * ran out of time by moving the service back to the revision that served before it → the deployment that moves it back, or
   * undefined when `deploymentId` no longer is the service's (a newer deploy replaced it: that one is left alone).
   * Optional: a runner whose rollouts end on their own within the run's deadline (the local stand-in's health wait is
   * bounded by the app's health-check timeout) has nothing to stop.
   */
  revert?(request: RevertRequest): Promise<Deployment | undefined>;
}

export interface RevertRequest {
  app: string;
  service: ServiceRef;
  /** The deployment to stop: the one the run's Deploy started. */
  deploymentId: string;
  /** The revision to move back to: the one serving before the run's Deploy (`Deployment.previousTaskDefinition`). */
  taskDefinition: string;
}

export interface ServiceRef {
  cluster: string;
  name: string;
  container: string;
  port: number;
  healthCheck: { path: string; timeoutSeconds: number };
}

export interface DeployRequest {
  runId: string;
  app: string;
  service: ServiceRef;
  image: string;
  /**
   * For a service Slipway created: the task settings every run renders into the new revision
   * (from slipway.config.json), so a config change reaches the service at the next run. Absent for
   * an existing service: the current revision is copied with only the image replaced.
   */
  task?: TaskSettings;
}

/**
 * What a run sets on the task it deploys, beyond the image: the created service's settings from
 * slipway.config.json (cpu and memory are container limits locally; secrets travel as references
 * only, never values). With autoscaling the autoscaler owns the count once the service runs, so a
 * deploy sets desiredCount only when nothing runs (the first deploy).
 */
export type TaskSettings = Pick<
  CreatedService,
  'cpu' | 'memory' | 'desiredCount' | 'environment' | 'secrets' | 'architecture'
> & {
  autoscaling?: { min: number; max: number };
};

export interface Deployment {
  deploymentId: string;
  taskDefinition: string;
  revision: number;
  /** The revision that served before this deployment (what `revert` moves back to); absent when none did (a first deploy). */
  previousTaskDefinition?: string;
  /** The service already ran exactly this, settled: nothing was registered or moved, and there is no rollout to follow. */
  unchanged?: boolean;
  /** Where the app answers, when the adapter knows it (given with `unchanged`: no rollout will tell it). */
  url?: string;
}

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface RolloutStatus {
  state: RolloutState;
  reason?: string;
  runningCount: number;
  desiredCount: number;
  url?: string;
}

export interface ServingVersion {
  image: string;
  taskDefinition: string;
  revision: number;
  url?: string;
  /** Tasks of this revision running now, and how many the service keeps running (when the adapter knows). */
  runningCount?: number;
  desiredCount?: number;
  /** Tasks that stopped on their own and the service replaced, oldest first (the latest few): ECS's "has started 1 tasks" events. */
  replacements?: TaskReplacement[];
}

/**
 * One stopped task and its replacement: `{ at: '2026-…Z', revision: 3, stopped: 'a1b2c3d4e5f6', reason: 'the container exited with code 137', started: 'f6e5d4c3b2a1' }`.
 * No `started` while the replacement is not healthy yet; `failure` says why the last attempt failed (attempts go on).
 */
export interface TaskReplacement {
  at: string;
  revision: number;
  stopped: string;
  reason: string;
  started?: string;
  failure?: string;
}

/** The ECS service a deploy moves is not there: the stack has not created it yet, or service.existing names the wrong one. */
export class ServiceNotFoundError extends SlipwayError {
  override name = 'ServiceNotFoundError';
  override readonly kind: ErrorKind = 'not-found';
  constructor(
    readonly app: string,
    readonly cluster: string,
    readonly service: string,
    readonly reason: string,
  ) {
    super(
      `No active ECS service "${service}" in cluster "${cluster}" for app "${app}" (${reason}). ` +
        `If Slipway's stack creates it, deploy the stack (npx serverless deploy) so it exists; ` +
        `if it was made elsewhere, check apps.${app}.service.existing.cluster and .service in slipway.config.json.`,
    );
  }
}

/** `rollout()` was asked about a deployment this stack never started. */
export class DeploymentNotFoundError extends SlipwayError {
  override name = 'DeploymentNotFoundError';
  override readonly kind: ErrorKind = 'not-found';
  constructor(
    readonly app: string,
    readonly deploymentId: string,
  ) {
    super(
      `No deployment "${deploymentId}" for app "${app}" in this local stack. Use the deploymentId that deploy() returned.`,
    );
  }
}
