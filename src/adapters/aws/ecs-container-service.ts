import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type Deployment as EcsDeployment,
  type RegisterTaskDefinitionCommandInput,
  type Service,
} from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../domain/errors.ts';
import {
  ContainerNotFoundError,
  renderTaskDefinition as defaultRender,
  type TaskDefinition,
  type TaskDefinitionInput,
} from '../../domain/task-definition.ts';
import type { ContainerService, Deployment, DeployRequest, RolloutStatus, ServiceRef, ServingVersion } from '../../ports/container-service.ts';
import { ServiceNotFoundError } from '../../ports/container-service.ts';
import { awsErrorName, callAws } from './transient.ts';

/** `(described, 'web', 'repo@sha256:…')` → the next revision; the domain's renderTaskDefinition unless a test swaps it. */
export type RenderTaskDefinition = (current: TaskDefinition, container: string, image: string) => TaskDefinitionInput;

export interface EcsContainerServiceOptions {
  client?: ECSClient;
  renderTaskDefinition?: RenderTaskDefinition;
  /** The app's public URL (a load balancer's DNS name, say); ECS itself does not know one. */
  url?: (app: string) => string | undefined;
}

/** The ContainerService port over an existing ECS service with the rolling-update (ECS) deployment controller. */
export class EcsContainerService implements ContainerService {
  private readonly client: ECSClient;
  private readonly render: RenderTaskDefinition;
  private readonly url: (app: string) => string | undefined;

  constructor(options: EcsContainerServiceOptions = {}) {
    this.client = options.client ?? new ECSClient({});
    this.render = options.renderTaskDefinition ?? defaultRender;
    this.url = options.url ?? (() => undefined);
  }

  async deploy(request: DeployRequest): Promise<Deployment> {
    const { app, service: ref, image } = request;
    const service = await this.requireService(app, ref);
    const currentArn = service.taskDefinition;
    if (!currentArn) throw new ServiceNotFoundError(app, ref.cluster, ref.name, 'the service has no task definition');

    const described = await callAws(`ECS DescribeTaskDefinition of "${currentArn}"`, () =>
      this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: currentArn, include: ['TAGS'] })),
    );
    const current = described.taskDefinition;
    if (!current) throw new SlipwayError(`ECS returned no task definition for "${currentArn}" (service "${ref.name}" in cluster "${ref.cluster}").`);

    // Already running this image (a retried Deploy, or a rebuild that produced the same digest):
    // follow the deployment that put it there instead of registering an identical revision.
    const primary = primaryDeployment(service);
    if (primary?.id && primary.taskDefinition === currentArn && containerImage(current, ref.container) === image) {
      return { deploymentId: primary.id, taskDefinition: currentArn, revision: current.revision ?? revisionOf(currentArn) };
    }

    const rendered = this.render(current, ref.container, image);
    // Tags with the reserved `aws:` prefix (CloudFormation's, say) are rejected by RegisterTaskDefinition.
    const tags = (described.tags ?? []).filter((t) => t.key && !t.key.startsWith('aws:'));
    const registered = await callAws(`ECS RegisterTaskDefinition of family "${rendered.family}"`, () =>
      this.client.send(new RegisterTaskDefinitionCommand({ ...(rendered as RegisterTaskDefinitionCommandInput), ...(tags.length > 0 && { tags }) })),
    );
    const newArn = registered.taskDefinition?.taskDefinitionArn;
    if (!newArn) throw new SlipwayError(`ECS RegisterTaskDefinition of family "${rendered.family}" returned no task definition ARN.`);

    const updated = await callAws(`ECS UpdateService of "${ref.name}" in cluster "${ref.cluster}"`, () =>
      this.client.send(new UpdateServiceCommand({ cluster: ref.cluster, service: ref.name, taskDefinition: newArn })),
    );
    const deploymentId = updated.service ? primaryDeployment(updated.service)?.id : undefined;
    if (!deploymentId) {
      throw new SlipwayError(
        `ECS UpdateService of "${ref.name}" in cluster "${ref.cluster}" started no deployment. Slipway needs the ECS (rolling update) deployment controller.`,
      );
    }
    return { deploymentId, taskDefinition: newArn, revision: registered.taskDefinition?.revision ?? revisionOf(newArn) };
  }

  async rollout(request: { app: string; service: ServiceRef; deploymentId: string }): Promise<RolloutStatus> {
    const { app, service: ref, deploymentId } = request;
    const service = await this.requireService(app, ref);
    const deployments = service.deployments ?? [];
    const ours = deployments.find((d) => d.id === deploymentId);
    const url = this.url(app);

    if (ours?.status === 'PRIMARY') {
      const counts = { runningCount: ours.runningCount ?? 0, desiredCount: ours.desiredCount ?? 0 };
      const state = ours.rolloutState ?? (deployments.length === 1 && counts.runningCount === counts.desiredCount ? 'COMPLETED' : 'IN_PROGRESS');
      if (state === 'FAILED') return { state, reason: failureReason(service, ours), ...counts };
      return { state, ...counts, ...(state === 'COMPLETED' && url !== undefined && { url }) };
    }

    // Ours is no longer the primary: the circuit breaker rolled back, or a newer deploy replaced it.
    const primary = primaryDeployment(service);
    const counts = { runningCount: primary?.runningCount ?? service.runningCount ?? 0, desiredCount: primary?.desiredCount ?? service.desiredCount ?? 0 };
    const previous = primary?.taskDefinition ?? service.taskDefinition ?? 'unknown';
    const rolledBack = !ours || ours.rolloutState === 'FAILED' || /roll(ing|ed) back/i.test(primary?.rolloutStateReason ?? '');
    const why = ours ? failureReason(service, ours) : 'ECS no longer lists the deployment';
    const reason = rolledBack
      ? `deployment ${deploymentId} failed (${why}); the service was rolled back to the previous task definition ${previous}`
      : `deployment ${deploymentId} was replaced by a newer deployment (task definition ${previous}) before it completed`;
    return { state: 'FAILED', reason, ...counts };
  }

  async serving(request: { app: string; service: ServiceRef }): Promise<ServingVersion | undefined> {
    const { app, service: ref } = request;
    const { service } = await this.describeService(ref);
    if (!service || (service.runningCount ?? 0) === 0) return undefined;
    const arn = servingDeployment(service)?.taskDefinition ?? service.taskDefinition;
    if (!arn) return undefined;
    const described = await callAws(`ECS DescribeTaskDefinition of "${arn}"`, () =>
      this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })),
    );
    const definition = described.taskDefinition ?? {};
    const image = containerImage(definition, ref.container);
    if (image === undefined) {
      throw new ContainerNotFoundError(ref.container, definition.family ?? arn, (definition.containerDefinitions ?? []).map((c) => c.name ?? '(unnamed)'));
    }
    const url = this.url(app);
    return { image, taskDefinition: arn, revision: definition.revision ?? revisionOf(arn), ...(url !== undefined && { url }) };
  }

  private async requireService(app: string, ref: ServiceRef): Promise<Service> {
    const { service, reason } = await this.describeService(ref);
    if (!service) throw new ServiceNotFoundError(app, ref.cluster, ref.name, reason);
    return service;
  }

  /** The service when it exists and is ACTIVE; otherwise why not. */
  private async describeService(ref: ServiceRef): Promise<{ service?: Service; reason: string }> {
    let output;
    try {
      output = await callAws(`ECS DescribeServices of "${ref.name}" in cluster "${ref.cluster}"`, () =>
        this.client.send(new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.name] })),
      );
    } catch (error) {
      if (awsErrorName(error) === 'ClusterNotFoundException') return { reason: `ECS has no cluster "${ref.cluster}"` };
      throw error;
    }
    const service = output.services?.find((s) => s.serviceName === ref.name) ?? output.services?.[0];
    if (service?.status === 'ACTIVE') return { service, reason: 'active' };
    if (service) return { reason: `the service is ${service.status ?? 'not active'}` };
    return { reason: `DescribeServices reports it ${output.failures?.[0]?.reason ?? 'MISSING'}` };
  }
}

function primaryDeployment(service: Service): EcsDeployment | undefined {
  return service.deployments?.find((d) => d.status === 'PRIMARY');
}

/** What still serves: the primary, unless its rollout failed and an older deployment still runs tasks. */
function servingDeployment(service: Service): EcsDeployment | undefined {
  const primary = primaryDeployment(service);
  if (primary?.rolloutState !== 'FAILED') return primary;
  const running = (service.deployments ?? [])
    .filter((d) => d.status === 'ACTIVE' && (d.runningCount ?? 0) > 0)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  return running[0] ?? primary;
}

/**
 * The deployment's own reason ("tasks failed to start") with the latest failure the service reported
 * since it started, a task's own ("failed container health checks") first: that is the why.
 */
function failureReason(service: Service, deployment: EcsDeployment): string {
  const reason = deployment.rolloutStateReason ?? `ECS marked deployment ${deployment.id} ${deployment.rolloutState ?? 'FAILED'}`;
  const since = deployment.createdAt?.getTime() ?? 0;
  // DescribeServices lists events newest first.
  const failures = (service.events ?? []).filter(
    (e) => (e.createdAt?.getTime() ?? 0) >= since && /fail|unhealthy|error|unable/i.test(e.message ?? ''),
  );
  const event = failures.find((e) => /\(task [^)]+\)/.test(e.message ?? '')) ?? failures[0];
  return event?.message ? `${reason} Latest service event: ${event.message}` : reason;
}

function containerImage(definition: { containerDefinitions?: { name?: string; image?: string }[] }, container: string): string | undefined {
  return definition.containerDefinitions?.find((c) => c.name === container)?.image;
}

/** `revisionOf('arn:aws:ecs:…:task-definition/hello:7')` → 7 */
function revisionOf(taskDefinitionArn: string): number {
  const revision = Number(taskDefinitionArn.split(':').pop());
  return Number.isInteger(revision) ? revision : 0;
}
