/** Where the app runs: an ECS Fargate service in AWS, labelled containers on the local Docker engine locally. */
export interface ContainerService {
  /**
   * `deploy({ runId, app: 'hello', service, image: '127.0.0.1:5000/hello@sha256:…' })` registers a new
   * task-definition revision with the image pinned and moves the service to it. Returns at once;
   * `rollout` tells how the move is going.
   */
  deploy(request: DeployRequest): Promise<Deployment>;
  /** `rollout({ app, service, deploymentId })` → IN_PROGRESS, COMPLETED, or FAILED with the reason (the old version keeps serving). */
  rollout(request: { app: string; service: ServiceRef; deploymentId: string }): Promise<RolloutStatus>;
  /** `serving({ app, service })` → what serves right now (image, revision, URL), or undefined when nothing does. */
  serving(request: { app: string; service: ServiceRef }): Promise<ServingVersion | undefined>;
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
}

export interface Deployment {
  deploymentId: string;
  taskDefinition: string;
  revision: number;
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
}
