import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RolloutState, TaskReplacement } from '../../../ports/container-service.ts';
import type { TaskDefinition, TaskDefinitionInput } from '../../../domain/task-definition.ts';
import { writeJsonAtomically } from '../atomic-json.ts';
import { unlessMissing } from '../unless-missing.ts';

/** One running container of the serving revision, behind the app's proxy. */
export interface Task {
  containerId: string;
  hostPort: number;
}

/**
 * What serves an app: the revision the service keeps `desiredCount` tasks of (ECS's PRIMARY deployment), and the
 * containers the proxy forwards to. It outlives its containers: a stopped task is replaced, and `start()` after a
 * stop or an engine restart brings the revision back.
 */
export interface CurrentVersion {
  revision: number;
  image: string;
  taskDefinition: string;
  deploymentId: string;
  desiredCount: number;
  tasks: Task[];
}

/** `services/<app>.json`: the proxy port (so the URL outlives deploys and restarts), what serves, and the replaced tasks. */
export interface ServiceState {
  app: string;
  proxyPort?: number;
  current?: CurrentVersion;
  replacements?: TaskReplacement[];
}

/** Written before tasks and desiredCount existed: one container. */
interface LegacyCurrentVersion extends Omit<CurrentVersion, 'tasks' | 'desiredCount'> {
  containerId: string;
  hostPort: number;
}

/** `deployments/<app>/<deploymentId>.json`: one deploy() and how its rollout went. */
export interface DeploymentRecord {
  deploymentId: string;
  runId: string;
  app: string;
  image: string;
  container: string;
  port: number;
  healthCheck: { path: string; timeoutSeconds: number };
  revision: number;
  taskDefinition: string;
  /** Tasks to run once the rollout completes; absent in records written before it existed (1). */
  desiredCount?: number;
  /** Container limits from the run's task settings; absent: none (a service deployed without settings). */
  limits?: { cpu: number; memory: number };
  state: RolloutState;
  reason?: string;
  /** The new containers this rollout started, so a restarted stack resumes with them and keeps their health deadlines. */
  started?: { containerId: string; startedAt: string }[];
  createdAt: string;
  finishedAt?: string;
}

/**
 * The stack's files under `stateDir`. Whole-file JSON written by rename, so a reader never sees half a file;
 * task-definition revisions are created exclusively, so two writers can never register the same revision.
 */
export class StateStore {
  constructor(private readonly dir: string) {}

  /** `latestTaskDefinition('hello')` → the highest registered revision, as DescribeTaskDefinition would show it. */
  async latestTaskDefinition(family: string): Promise<TaskDefinition | undefined> {
    const revisions = await this.revisions(family);
    const latest = revisions.at(-1);
    return latest === undefined ? undefined : this.taskDefinition(family, latest);
  }

  async taskDefinition(family: string, revision: number): Promise<TaskDefinition | undefined> {
    return readJson<TaskDefinition>(join(this.dir, 'task-definitions', family, `${revision}.json`));
  }

  /** `registerTaskDefinition(input, now)` → the next revision of input.family, stored with the fields ECS adds. */
  async registerTaskDefinition(input: TaskDefinitionInput, now: Date): Promise<{ revision: number; arn: string }> {
    const dir = join(this.dir, 'task-definitions', input.family);
    mkdirSync(dir, { recursive: true });
    let revision = ((await this.revisions(input.family)).at(-1) ?? 0) + 1;
    for (;;) {
      const arn = `arn:aws:ecs:local:000000000000:task-definition/${input.family}:${revision}`;
      const described = {
        ...input,
        taskDefinitionArn: arn,
        revision,
        status: 'ACTIVE',
        compatibilities: ['EC2', 'FARGATE'],
        requiresAttributes: [],
        registeredAt: now.toISOString(),
        registeredBy: 'slipway-local',
      };
      try {
        writeFileSync(join(dir, `${revision}.json`), JSON.stringify(described, null, 2) + '\n', { flag: 'wx' });
        return { revision, arn };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        revision += 1;
      }
    }
  }

  async readService(app: string): Promise<ServiceState | undefined> {
    const state = await readJson<ServiceState>(join(this.dir, 'services', `${app}.json`));
    const current = state?.current as CurrentVersion | LegacyCurrentVersion | undefined;
    if (!state || !current || 'tasks' in current) return state;
    const { containerId, hostPort, ...rest } = current;
    return { ...state, current: { ...rest, desiredCount: 1, tasks: [{ containerId, hostPort }] } };
  }

  async writeService(state: ServiceState): Promise<void> {
    await writeJsonAtomically(join(this.dir, 'services', `${state.app}.json`), state);
  }

  async listServices(): Promise<ServiceState[]> {
    const names = await listJson(join(this.dir, 'services'));
    const states = await Promise.all(names.map((name) => this.readService(name)));
    return states.filter((s): s is ServiceState => s !== undefined);
  }

  async readDeployment(app: string, deploymentId: string): Promise<DeploymentRecord | undefined> {
    return readJson<DeploymentRecord>(join(this.dir, 'deployments', app, `${deploymentId}.json`));
  }

  async writeDeployment(record: DeploymentRecord): Promise<void> {
    await writeJsonAtomically(join(this.dir, 'deployments', record.app, `${record.deploymentId}.json`), record);
  }

  async listDeployments(): Promise<DeploymentRecord[]> {
    const apps = await listDirs(join(this.dir, 'deployments'));
    const records = await Promise.all(
      apps.map(async (app) =>
        Promise.all((await listJson(join(this.dir, 'deployments', app))).map((id) => this.readDeployment(app, id))),
      ),
    );
    return records.flat().filter((r): r is DeploymentRecord => r !== undefined);
  }

  private async revisions(family: string): Promise<number[]> {
    const names = await listJson(join(this.dir, 'task-definitions', family));
    return names
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0)
      .sort((a, b) => a - b);
  }
}

// Reads are synchronous, as the writes are (writeJsonAtomically): small files on the local disk, where each
// promise API call's thread-pool round trip cost a deploy's critical steps more than the read itself.

async function readJson<T>(file: string): Promise<T | undefined> {
  const text = unlessMissing(() => readFileSync(file, 'utf8'));
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/** Base names of the `.json` files in dir (none when dir does not exist). */
async function listJson(dir: string): Promise<string[]> {
  const entries = unlessMissing(() => readdirSync(dir)) ?? [];
  return entries.filter((e) => e.endsWith('.json')).map((e) => e.slice(0, -'.json'.length));
}

async function listDirs(dir: string): Promise<string[]> {
  const entries = unlessMissing(() => readdirSync(dir, { withFileTypes: true })) ?? [];
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}
