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
import * as v from 'valibot';
import { InvalidConfigError, SlipwayError } from '../../domain/errors.ts';
import {
  ContainerNotFoundError,
  renderCreatedTaskDefinition,
  renderTaskDefinition as defaultRender,
  type TaskDefinition,
  type TaskDefinitionInput,
} from '../../domain/task-definition.ts';
import { describeIssues } from '../../domain/validation.ts';
import {
  ServiceNotFoundError,
  type ContainerService,
  type Deployment,
  type DeployRequest,
  type RevertRequest,
  type RolloutStatus,
  type ServiceRef,
  type ServingVersion,
  type TaskSettings,
} from '../../ports/container-service.ts';
import { PassRoleDeniedError } from './errors.ts';
import { awsErrorName, callAws } from './transient.ts';

/** `(described, 'web', 'repo@sha256:…')` → the next revision; the domain's renderTaskDefinition unless a test swaps it. */
export type RenderTaskDefinition = (current: TaskDefinition, container: string, image: string) => TaskDefinitionInput;

const StackServicesSchema = v.strictObject({
  cluster: v.pipe(v.string(), v.minLength(1)),
  apps: v.record(
    v.string(),
    v.strictObject({
      service: v.pipe(v.string(), v.minLength(1)),
      url: v.optional(v.string()),
      executionRoleArn: v.pipe(v.string(), v.startsWith('arn:')),
      taskRoleArn: v.pipe(v.string(), v.startsWith('arn:')),
      logGroup: v.pipe(v.string(), v.minLength(1)),
    }),
  ),
});

/** The services Slipway's stack created (serverless/apps.ts writes it into SLIPWAY_APPS): the stage's cluster and, per app, what the stack made. */
export type StackServices = v.InferOutput<typeof StackServicesSchema>;

/** `parseStackServices(env.SLIPWAY_APPS)` → the created services; InvalidConfigError naming what is wrong. */
export function parseStackServices(json: string): StackServices {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new InvalidConfigError(
      `SLIPWAY_APPS is not JSON (${(error as Error).message}). Deploy with serverless.yml, which sets it.`,
    );
  }
  const result = v.safeParse(StackServicesSchema, value);
  if (result.success) return result.output;
  const issues = describeIssues(result.issues);
  throw new InvalidConfigError(
    `SLIPWAY_APPS is invalid: ${issues.join('; ')}. Deploy with serverless.yml, which sets it.`,
    issues,
  );
}

export interface EcsContainerServiceOptions {
  client?: ECSClient;
  renderTaskDefinition?: RenderTaskDefinition;
  /** The app's public URL (a load balancer's DNS name, say); ECS itself does not know one. Defaults to the stack's URL of a created app. */
  url?: (app: string) => string | undefined;
  /** What the stack created: the cluster, service, roles and log group every run of a created app renders with. */
  stack?: StackServices;
  /** Region of the awslogs driver in a created app's revision; the client's region by default. */
  region?: string;
}

/**
 * The ContainerService port over ECS services with the rolling-update (ECS) deployment controller:
 * one Slipway's stack created (the whole revision rendered from the request's task settings) or one
 * made elsewhere (the current revision copied with the image replaced).
 */
export class EcsContainerService implements ContainerService {
  private readonly client: ECSClient;
  private readonly render: RenderTaskDefinition;
  private readonly url: (app: string) => string | undefined;
  private readonly stack: StackServices | undefined;
  private readonly region: string | undefined;

  constructor(options: EcsContainerServiceOptions = {}) {
    this.client = options.client ?? new ECSClient({});
    this.render = options.renderTaskDefinition ?? defaultRender;
    this.stack = options.stack;
    this.url = options.url ?? ((app) => this.created(app)?.url);
    this.region = options.region;
  }

  async deploy(request: DeployRequest): Promise<Deployment> {
    const { app, image, task } = request;
    const ref = this.target(app, request.service);
    const service = await this.requireService(app, ref);
    const currentArn = service.taskDefinition;
    if (!currentArn) throw new ServiceNotFoundError(app, ref.cluster, ref.name, 'the service has no task definition');

    const described = await callAws(`ECS DescribeTaskDefinition of "${currentArn}"`, () =>
      this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: currentArn, include: ['TAGS'] })),
    );
    const current = described.taskDefinition;
    if (!current)
      throw new SlipwayError(
        `ECS returned no task definition for "${currentArn}" (service "${ref.name}" in cluster "${ref.cluster}").`,
      );

    const rendered = task
      ? await this.renderCreated(app, ref, current, image, task)
      : this.render(current, ref.container, image);
    const desiredCount = task ? countFor(service, task) : undefined;

    // Already running this revision (a retried Deploy, or a rebuild that produced the same digest):
    // follow the deployment that put it there instead of registering an identical revision.
    const running = primaryDeployment(service);
    const same = task ? sameRevision(current, rendered) : containerImage(current, ref.container) === image;
    if (running?.id && running.taskDefinition === currentArn && same && desiredCount === undefined) {
      // What served before it: the deployment it is replacing, while that one still runs.
      const replacing = (service.deployments ?? []).find(
        (d) => d.status === 'ACTIVE' && d.taskDefinition && d.taskDefinition !== currentArn,
      )?.taskDefinition;
      // Nothing under way (this deployment alone, done, all its tasks running): the deploy changes nothing at all.
      const settled =
        service.deployments?.length === 1 &&
        !/IN_PROGRESS|FAILED/.test(running.rolloutState ?? '') &&
        running.runningCount === running.desiredCount;
      return {
        deploymentId: running.id,
        taskDefinition: currentArn,
        revision: current.revision ?? revisionOf(currentArn),
        ...(replacing && { previousTaskDefinition: replacing }),
        ...(settled && { unchanged: true, url: this.url(app) }),
      };
    }

    // Tags with the reserved `aws:` prefix (CloudFormation's, say) are rejected by RegisterTaskDefinition.
    const tags = (described.tags ?? []).filter((t) => t.key && !t.key.startsWith('aws:'));
    const registered = await callAws(`ECS RegisterTaskDefinition of family "${rendered.family}"`, () =>
      this.client.send(
        new RegisterTaskDefinitionCommand({
          ...(rendered as RegisterTaskDefinitionCommandInput),
          ...(tags.length > 0 && { tags }),
        }),
      ),
    ).catch((error: unknown) => {
      if (awsErrorName(error) === 'AccessDeniedException' && /iam:PassRole/.test((error as Error).message)) {
        const roles = [rendered.taskRoleArn, rendered.executionRoleArn].filter(
          (r): r is string => typeof r === 'string',
        );
        throw new PassRoleDeniedError(app, rendered.family, roles, { cause: error });
      }
      throw error;
    });
    const newArn = registered.taskDefinition?.taskDefinitionArn;
    if (!newArn)
      throw new SlipwayError(
        `ECS RegisterTaskDefinition of family "${rendered.family}" returned no task definition ARN.`,
      );

    const updated = await callAws(`ECS UpdateService of "${ref.name}" in cluster "${ref.cluster}"`, () =>
      this.client.send(
        new UpdateServiceCommand({
          cluster: ref.cluster,
          service: ref.name,
          taskDefinition: newArn,
          ...(desiredCount !== undefined && { desiredCount }),
        }),
      ),
    );
    // The deployment UpdateService started is the primary one with the new revision; any other primary
    // is an older deployment, and following it would report someone else's rollout as ours.
    const primary = updated.service ? primaryDeployment(updated.service) : undefined;
    const deploymentId = primary?.taskDefinition === newArn ? primary.id : undefined;
    if (!deploymentId) {
      throw new SlipwayError(
        `ECS UpdateService of "${ref.name}" in cluster "${ref.cluster}" started no deployment of ${newArn}` +
          `${primary?.taskDefinition ? ` (the primary deployment runs ${primary.taskDefinition})` : ''}. Slipway needs the ECS (rolling update) deployment controller.`,
      );
    }
    return {
      deploymentId,
      taskDefinition: newArn,
      revision: registered.taskDefinition?.revision ?? revisionOf(newArn),
      previousTaskDefinition: currentArn,
    };
  }

  /**
   * UpdateService back to the revision that served before: ECS starts a deployment of it and stops
   * the tasks of the one that ran out of time. Nothing is touched when that one is no longer the
   * primary (a newer run's deploy replaced it, or ECS rolled it back already).
   */
  async revert(request: RevertRequest): Promise<Deployment | undefined> {
    const { app, deploymentId, taskDefinition } = request;
    const ref = this.target(app, request.service);
    const service = await this.requireService(app, ref);
    if (primaryDeployment(service)?.id !== deploymentId) return undefined;
    const updated = await callAws(
      `ECS UpdateService of "${ref.name}" in cluster "${ref.cluster}" back to ${taskDefinition}`,
      () => this.client.send(new UpdateServiceCommand({ cluster: ref.cluster, service: ref.name, taskDefinition })),
    );
    const primary = updated.service ? primaryDeployment(updated.service) : undefined;
    if (!primary?.id || primary.taskDefinition !== taskDefinition) {
      throw new SlipwayError(
        `ECS UpdateService of "${ref.name}" in cluster "${ref.cluster}" back to ${taskDefinition} started no deployment of it; move the service back by hand (aws ecs update-service --task-definition ${taskDefinition}).`,
      );
    }
    return { deploymentId: primary.id, taskDefinition, revision: revisionOf(taskDefinition) };
  }

  async rollout(request: { app: string; service: ServiceRef; deploymentId: string }): Promise<RolloutStatus> {
    const { app, deploymentId } = request;
    const ref = this.target(app, request.service);
    const service = await this.requireService(app, ref);
    const deployments = service.deployments ?? [];
    const ours = deployments.find((d) => d.id === deploymentId);
    const url = this.url(app);

    if (ours?.status === 'PRIMARY') {
      const counts = { runningCount: ours.runningCount ?? 0, desiredCount: ours.desiredCount ?? 0 };
      const state =
        ours.rolloutState ??
        (deployments.length === 1 && counts.runningCount === counts.desiredCount ? 'COMPLETED' : 'IN_PROGRESS');
      if (state === 'FAILED') return { state, reason: failureReason(service, ours), ...counts };
      return { state, ...counts, ...(state === 'COMPLETED' && url !== undefined && { url }) };
    }

    // Ours is no longer the primary: the circuit breaker rolled back, or a newer deploy replaced it.
    const primary = primaryDeployment(service);
    const counts = {
      runningCount: primary?.runningCount ?? service.runningCount ?? 0,
      desiredCount: primary?.desiredCount ?? service.desiredCount ?? 0,
    };
    const previous = primary?.taskDefinition ?? service.taskDefinition ?? 'unknown';
    const rolledBack =
      !ours || ours.rolloutState === 'FAILED' || /roll(ing|ed) back/i.test(primary?.rolloutStateReason ?? '');
    const why = ours ? failureReason(service, ours) : 'ECS no longer lists the deployment';
    const reason = rolledBack
      ? `deployment ${deploymentId} failed (${why}); the service was rolled back to the previous task definition ${previous}`
      : `deployment ${deploymentId} was replaced by a newer deployment (task definition ${previous}) before it completed`;
    return { state: 'FAILED', reason, ...counts };
  }

  async serving(request: { app: string; service: ServiceRef }): Promise<ServingVersion | undefined> {
    const { app } = request;
    const ref = this.target(app, request.service);
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
      throw new ContainerNotFoundError(
        ref.container,
        definition.family ?? arn,
        (definition.containerDefinitions ?? []).map((c) => c.name ?? '(unnamed)'),
      );
    }
    const url = this.url(app);
    return {
      image,
      taskDefinition: arn,
      revision: definition.revision ?? revisionOf(arn),
      ...(url !== undefined && { url }),
      // The service's own counts: what `slipway apps` shows as running/desired.
      runningCount: service.runningCount ?? 0,
      desiredCount: service.desiredCount ?? 0,
    };
  }

  private created(app: string): StackServices['apps'][string] | undefined {
    return this.stack && Object.hasOwn(this.stack.apps, app) ? this.stack.apps[app] : undefined;
  }

  /** A created app's service is the stack's (its cluster is per stage, which the config cannot know); any other is the config's. */
  private target(app: string, ref: ServiceRef): ServiceRef {
    const created = this.created(app);
    return created && this.stack ? { ...ref, cluster: this.stack.cluster, name: created.service } : ref;
  }

  /** The whole revision of a created app: family from the current one, everything else from the config and the stack. */
  private async renderCreated(
    app: string,
    ref: ServiceRef,
    current: TaskDefinition,
    image: string,
    task: TaskSettings,
  ): Promise<TaskDefinitionInput> {
    const created = this.created(app);
    if (!created) {
      throw new InvalidConfigError(
        `App "${app}" has a service Slipway's stack creates, but this function's SLIPWAY_APPS does not list it. ` +
          `Deploy the stack again (npx serverless deploy) after adding the app to slipway.config.json, or set apps.${app}.service.existing for a service made elsewhere.`,
      );
    }
    const region = this.region ?? (await this.client.config.region());
    const family = current.family ?? `slipway-${app}`;
    return renderCreatedTaskDefinition(
      family,
      ref.container,
      image,
      { ...task, port: ref.port },
      { ...created, region },
    );
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

/**
 * The desired count a created service's deploy sets: its configured count when nothing runs (the
 * first deploy) or when no autoscaler owns the count; otherwise none, so the autoscaler's stays.
 */
function countFor(service: Service, task: TaskSettings): number | undefined {
  const desired = service.desiredCount ?? 0;
  if (!task.autoscaling) return desired === task.desiredCount ? undefined : task.desiredCount;
  return desired === 0 ? Math.min(Math.max(task.desiredCount, task.autoscaling.min), task.autoscaling.max) : undefined;
}

/** Whether the described revision already is what `rendered` would register (the fields a created app's run sets). */
function sameRevision(current: TaskDefinition, rendered: TaskDefinitionInput): boolean {
  const pick = (d: TaskDefinition) => {
    const c = d.containerDefinitions?.[0];
    return JSON.stringify([
      d.cpu,
      d.memory,
      d.runtimePlatform?.cpuArchitecture,
      d.executionRoleArn,
      d.taskRoleArn,
      d.containerDefinitions?.length,
      c?.name,
      c?.image,
      c?.portMappings?.map((p) => p.containerPort),
      c?.environment ?? [],
      c?.secrets ?? [],
      c?.logConfiguration?.options ?? {},
      c?.stopTimeout,
    ]);
  };
  return pick(current) === pick(rendered);
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
  const reason =
    deployment.rolloutStateReason ?? `ECS marked deployment ${deployment.id} ${deployment.rolloutState ?? 'FAILED'}`;
  const since = deployment.createdAt?.getTime() ?? 0;
  // DescribeServices lists events newest first.
  const failures = (service.events ?? []).filter(
    (e) => (e.createdAt?.getTime() ?? 0) >= since && /fail|unhealthy|error|unable/i.test(e.message ?? ''),
  );
  const event = failures.find((e) => /\(task [^)]+\)/.test(e.message ?? '')) ?? failures[0];
  return event?.message ? `${reason} Latest service event: ${event.message}` : reason;
}

function containerImage(
  definition: { containerDefinitions?: { name?: string; image?: string }[] },
  container: string,
): string | undefined {
  return definition.containerDefinitions?.find((c) => c.name === container)?.image;
}

/** `revisionOf('arn:aws:ecs:…:task-definition/hello:7')` → 7 */
function revisionOf(taskDefinitionArn: string): number {
  const revision = Number(taskDefinitionArn.split(':').pop());
  return Number.isInteger(revision) ? revision : 0;
}
