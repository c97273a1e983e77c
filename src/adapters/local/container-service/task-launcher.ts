import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../../../domain/errors.ts';
import { LABEL, type DockerCli } from './docker.ts';
import { DockerCommandError, SecretNotFoundError } from './errors.ts';
import { redact, type SecretSource } from './secrets.ts';
import type { DeploymentRecord, StateStore } from './state-store.ts';
import { containerSettings } from './task-settings.ts';
import { waitUntilHealthy, type WaitOutcome } from './wait-until-healthy.ts';

export interface TaskLauncherOptions {
  docker: DockerCli;
  store: StateStore;
  stack: string;
  secrets: SecretSource;
  now: () => Date;
  pollMs: number;
}

/** Starts one container of a revision (an ECS task), with its settings and secrets, and waits for its health check. */
export class TaskLauncher {
  private readonly docker: DockerCli;
  private readonly store: StateStore;
  private readonly stack: string;
  private readonly secrets: SecretSource;
  private readonly now: () => Date;
  private readonly pollMs: number;

  constructor(options: TaskLauncherOptions) {
    ({
      docker: this.docker,
      store: this.store,
      stack: this.stack,
      secrets: this.secrets,
      now: this.now,
      pollMs: this.pollMs,
    } = options);
  }

  /** Polls the container until healthy, exited, superseded, aborted, or its health-check timeout from startedAt. */
  waitHealthy(
    record: DeploymentRecord,
    containerId: string,
    startedAt: number,
    signal: AbortSignal,
    supersededBy: () => Promise<number | undefined>,
  ): Promise<WaitOutcome> {
    return waitUntilHealthy({
      docker: this.docker,
      containerId,
      port: record.port,
      path: record.healthCheck.path,
      deadline: startedAt + record.healthCheck.timeoutSeconds * 1000,
      now: this.now,
      pollMs: this.pollMs,
      signal,
      supersededBy,
    });
  }

  /** Start one container of the record's revision; secret values are returned only to redact what the container prints. */
  async start(record: DeploymentRecord): Promise<{ id: string; secretValues: string[] }> {
    const settings = containerSettings(await this.store.taskDefinition(record.app, record.revision), record.container);
    const secretEnv = await this.resolveSecrets(record.app, settings.secrets);
    const secretValues = Object.values(secretEnv);
    try {
      const id = await this.docker.run({
        name: `slipway-${record.app}-r${record.revision}-${randomBytes(3).toString('hex')}`,
        image: record.image,
        labels: {
          [LABEL.stack]: this.stack,
          [LABEL.app]: record.app,
          [LABEL.revision]: String(record.revision),
          [LABEL.deployment]: record.deploymentId,
          [LABEL.run]: record.runId,
        },
        port: record.port,
        env: settings.env,
        secretEnv,
        ...(record.limits ? { cpus: record.limits.cpu / 1024, memoryMiB: record.limits.memory } : {}),
        ...(settings.entryPoint ? { entryPoint: settings.entryPoint } : {}),
        ...(settings.command ? { command: settings.command } : {}),
      });
      return { id, secretValues };
    } catch (error) {
      // The engine's message is kept, with any secret value it might echo masked; the original (and its copy of stderr) is dropped.
      if (error instanceof DockerCommandError)
        throw new DockerCommandError(error.args, error.exitCode, redact(error.stderr, secretValues));
      throw error;
    }
  }

  /** `resolveSecrets('hello', { DB: 'arn:…' })` → `{ DB: '<value>' }`, or a SecretNotFoundError naming where to put the value. */
  async resolveSecrets(app: string, secrets: Record<string, string>): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const [variable, ref] of Object.entries(secrets)) {
      const value = await this.secrets.resolve(variable, ref);
      if (value === undefined) throw new SecretNotFoundError(app, variable, ref, this.secrets.where(variable, ref));
      if (value.includes('\0'))
        throw new InvalidInputError(
          `Secret ${variable} of app "${app}" (${ref}) contains a NUL character, which no environment variable can hold.`,
        );
      values[variable] = value;
    }
    return values;
  }

  /** The running containers of one deployment: its tasks. */
  async running(deploymentId: string): Promise<{ id: string }[]> {
    return (await this.docker.list({ [LABEL.stack]: this.stack, [LABEL.deployment]: deploymentId })).filter(
      (c) => c.running,
    );
  }
}
