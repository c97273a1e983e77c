import type { CreatedService } from './config.ts';
import { InvalidInputError, SlipwayError, type ErrorKind } from './errors.ts';

/**
 * Task definitions as ECS describes them (DescribeTaskDefinition's `taskDefinition`), with the ECS
 * field names. Every field is optional, as in the API, so the SDK's own `TaskDefinition` fits here;
 * fields not listed are still carried through at run time.
 */
export interface TaskDefinition {
  family?: string;
  containerDefinitions?: ContainerDefinition[];
  taskRoleArn?: string;
  executionRoleArn?: string;
  networkMode?: string;
  volumes?: unknown[];
  placementConstraints?: unknown[];
  requiresCompatibilities?: string[];
  runtimePlatform?: { cpuArchitecture?: string; operatingSystemFamily?: string };
  cpu?: string;
  memory?: string;
  pidMode?: string;
  ipcMode?: string;
  proxyConfiguration?: unknown;
  inferenceAccelerators?: unknown[];
  ephemeralStorage?: { sizeInGiB?: number };
  enableFaultInjection?: boolean;
  // Read-only: set by ECS, rejected by RegisterTaskDefinition.
  taskDefinitionArn?: string;
  revision?: number;
  status?: string;
  requiresAttributes?: unknown[];
  compatibilities?: string[];
  registeredAt?: Date | string | number;
  registeredBy?: string;
  deregisteredAt?: Date | string | number;
  deleteRequestedAt?: Date | string | number;
}

export interface ContainerDefinition {
  name?: string;
  image?: string;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  essential?: boolean;
  portMappings?: {
    containerPort?: number;
    hostPort?: number;
    protocol?: string;
    name?: string;
    appProtocol?: string;
  }[];
  environment?: { name?: string; value?: string }[];
  secrets?: { name?: string; valueFrom?: string }[];
  entryPoint?: string[];
  command?: string[];
  workingDirectory?: string;
  user?: string;
  dockerLabels?: Record<string, string>;
  logConfiguration?: { logDriver?: string; options?: Record<string, string> };
  healthCheck?: { command?: string[]; interval?: number; timeout?: number; retries?: number; startPeriod?: number };
  stopTimeout?: number;
}

/** The fields ECS sets itself; RegisterTaskDefinition rejects them. */
export const READ_ONLY_TASK_DEFINITION_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
] as const;
type ReadOnlyField = (typeof READ_ONLY_TASK_DEFINITION_FIELDS)[number];

/** What RegisterTaskDefinition takes: the described definition without its read-only fields, family and containers required. */
export type TaskDefinitionInput<T extends TaskDefinition = TaskDefinition> = Omit<
  T,
  ReadOnlyField | 'family' | 'containerDefinitions'
> & {
  family: string;
  containerDefinitions: NonNullable<T['containerDefinitions']>;
};

export class ContainerNotFoundError extends SlipwayError {
  override name = 'ContainerNotFoundError';
  override readonly kind: ErrorKind = 'invalid';
  constructor(
    readonly container: string,
    readonly family: string,
    readonly containers: readonly string[],
  ) {
    super(
      `No container "${container}" in task definition "${family}" ` +
        `(it has ${containers.length ? containers.map((c) => `"${c}"`).join(', ') : 'no containers'}). ` +
        `Set service.container for this app in slipway.config.json to one of them.`,
    );
  }
}

/**
 * `renderTaskDefinition(described, 'web', 'repo@sha256:…')` → the next revision's RegisterTaskDefinition input:
 * the same definition with only that container's image replaced and the read-only fields dropped.
 */
export function renderTaskDefinition<T extends TaskDefinition>(
  current: T,
  container: string,
  image: string,
): TaskDefinitionInput<T> {
  const family = current.family;
  if (!family)
    throw new InvalidInputError(
      'The task definition has no "family"; pass the taskDefinition object from DescribeTaskDefinition.',
    );
  const containers = current.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === container)) {
    throw new ContainerNotFoundError(
      container,
      family,
      containers.map((c) => c.name ?? '(unnamed)'),
    );
  }
  const copy = structuredClone(current);
  for (const field of READ_ONLY_TASK_DEFINITION_FIELDS) delete copy[field];
  const containerDefinitions = copy.containerDefinitions?.map((c) => (c.name === container ? { ...c, image } : c));
  return { ...copy, family, containerDefinitions } as unknown as TaskDefinitionInput<T>;
}

/**
 * `initialTaskDefinition('hello', 'hello', 'repo@sha256:…', 8080)` → the smallest Fargate definition that runs
 * the image with its port mapped: what a service deployed for the first time starts from.
 */
export function initialTaskDefinition(
  family: string,
  container: string,
  image: string,
  port: number,
): TaskDefinitionInput {
  return {
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    containerDefinitions: [
      {
        name: container,
        image,
        essential: true,
        portMappings: [{ containerPort: port, hostPort: port, protocol: 'tcp' }],
      },
    ],
  };
}

/** The CPU units Fargate offers (256 = 0.25 vCPU). */
export const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;

const range = (from: number, to: number, step: number): number[] =>
  Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);

/** `fargateMemoryOptions(256)` → [512, 1024, 2048]: the memory sizes (MiB) Fargate runs with that many CPU units. */
export function fargateMemoryOptions(cpu: number): number[] {
  switch (cpu) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return range(1024, 4096, 1024);
    case 1024:
      return range(2048, 8192, 1024);
    case 2048:
      return range(4096, 16384, 1024);
    case 4096:
      return range(8192, 30720, 1024);
    case 8192:
      return range(16384, 61440, 4096);
    case 16384:
      return range(32768, 122880, 8192);
    default:
      return [];
  }
}

/** What a run renders into a created service's revision, besides the image: the app's settings and its port. */
export type CreatedTaskSettings = Pick<
  CreatedService,
  'cpu' | 'memory' | 'environment' | 'secrets' | 'architecture'
> & { port: number };

/** What the stack made for a created app: roles and log group (from the function's environment, never from the config). */
export interface CreatedTaskResources {
  executionRoleArn: string;
  taskRoleArn: string;
  logGroup: string;
  region: string;
}

/** Seconds ECS waits after SIGTERM before it kills the container; short, since the load balancer has already drained it. */
export const STOP_TIMEOUT_SECONDS = 10;

/**
 * `renderCreatedTaskDefinition('slipway-dev-hello', 'hello', 'repo@sha256:…', settings, resources)` → the whole
 * revision of a service Slipway's stack created: everything from slipway.config.json and the stack, nothing
 * copied from the revision before it, so a config change (or a rollback) lands whole at the next run.
 */
export function renderCreatedTaskDefinition(
  family: string,
  container: string,
  image: string,
  settings: CreatedTaskSettings,
  resources: CreatedTaskResources,
): TaskDefinitionInput {
  const sorted = (record: Record<string, string>) =>
    Object.keys(record)
      .sort()
      .map((name) => [name, record[name] as string] as const);
  return {
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: String(settings.cpu),
    memory: String(settings.memory),
    runtimePlatform: { cpuArchitecture: settings.architecture, operatingSystemFamily: 'LINUX' },
    executionRoleArn: resources.executionRoleArn,
    taskRoleArn: resources.taskRoleArn,
    containerDefinitions: [
      {
        name: container,
        image,
        essential: true,
        portMappings: [{ containerPort: settings.port, hostPort: settings.port, protocol: 'tcp' }],
        environment: sorted(settings.environment).map(([name, value]) => ({ name, value })),
        secrets: sorted(settings.secrets).map(([name, valueFrom]) => ({ name, valueFrom })),
        stopTimeout: STOP_TIMEOUT_SECONDS,
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': resources.logGroup,
            'awslogs-region': resources.region,
            'awslogs-stream-prefix': 'app',
          },
        },
      },
    ],
  };
}
