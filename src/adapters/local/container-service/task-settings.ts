import { InvalidInputError } from '../../../domain/errors.ts';
import type { TaskDefinition, TaskDefinitionInput } from '../../../domain/task-definition.ts';
import type { TaskSettings } from '../../../ports/container-service.ts';

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
/** Locally more containers than this would only be a typo; Fargate's quota is per account, not per service. */
export const MAX_LOCAL_TASKS = 10;
/** Docker refuses a memory limit under 6 MiB. */
const MIN_MEMORY_MIB = 6;

/** `checkTaskSettings('hello', task)` throws an InvalidInputError listing every setting the local stack cannot run. */
export function checkTaskSettings(app: string, task: TaskSettings): void {
  const issues: string[] = [];
  if (!Number.isInteger(task.desiredCount) || task.desiredCount < 0 || task.desiredCount > MAX_LOCAL_TASKS) {
    issues.push(`desiredCount must be a whole number from 0 to ${MAX_LOCAL_TASKS} locally, got ${task.desiredCount}`);
  }
  if (!(Number.isFinite(task.cpu) && task.cpu > 0))
    issues.push(`cpu must be a positive number of CPU units (1024 = 1 vCPU), got ${task.cpu}`);
  if (!(Number.isInteger(task.memory) && task.memory >= MIN_MEMORY_MIB))
    issues.push(`memory must be a whole number of MiB, at least ${MIN_MEMORY_MIB}, got ${task.memory}`);
  for (const name of [...Object.keys(task.environment), ...Object.keys(task.secrets)]) {
    if (!VARIABLE.test(name))
      issues.push(
        `"${name}" is not a valid environment variable name (letters, digits and "_", not starting with a digit)`,
      );
  }
  for (const name of Object.keys(task.secrets)) {
    if (Object.hasOwn(task.environment, name))
      issues.push(`${name} is both in environment and in secrets; keep it in one`);
    if (typeof task.secrets[name] !== 'string' || task.secrets[name] === '')
      issues.push(`secret ${name} needs the ARN of a Secrets Manager secret or SSM parameter`);
  }
  if (issues.length > 0)
    throw new InvalidInputError(`The task settings of app "${app}" cannot run: ${issues.join('; ')}.`, issues);
}

/**
 * `withTaskSettings(input, 'web', task)` → the revision input with the run's settings rendered in, as the AWS adapter
 * renders them: task-level cpu and memory, the architecture, and the container's environment and secrets replaced
 * (so a value removed from slipway.config.json leaves the next revision). Secrets stay references.
 */
export function withTaskSettings(
  input: TaskDefinitionInput,
  container: string,
  task: TaskSettings,
): TaskDefinitionInput {
  return {
    ...input,
    cpu: String(task.cpu),
    memory: String(task.memory),
    runtimePlatform: { operatingSystemFamily: 'LINUX', ...input.runtimePlatform, cpuArchitecture: task.architecture },
    containerDefinitions: input.containerDefinitions.map((c) =>
      c.name === container
        ? {
            ...c,
            environment: Object.entries(task.environment).map(([name, value]) => ({ name, value })),
            secrets: Object.entries(task.secrets).map(([name, valueFrom]) => ({ name, valueFrom })),
          }
        : c,
    ),
  };
}

/** `hasTaskSettings(revision, 'web', task)` → whether the revision already holds what withTaskSettings would render into it. */
export function hasTaskSettings(definition: TaskDefinition, container: string, task: TaskSettings): boolean {
  const pick = (d: TaskDefinition) => {
    const c = d.containerDefinitions?.find((found) => found.name === container);
    return JSON.stringify([
      d.cpu,
      d.memory,
      d.runtimePlatform?.cpuArchitecture,
      c?.environment ?? [],
      c?.secrets ?? [],
    ]);
  };
  return (
    pick(definition) === pick(withTaskSettings(definition as TaskDefinitionInput, container, task) as TaskDefinition)
  );
}

/** What `docker run` needs from a revision's container: plain environment values and secret references. */
export function containerSettings(
  definition: TaskDefinition | undefined,
  container: string,
): { env: Record<string, string>; secrets: Record<string, string>; entryPoint?: string[]; command?: string[] } {
  const found = definition?.containerDefinitions?.find((c) => c.name === container);
  const env = Object.fromEntries((found?.environment ?? []).flatMap((e) => (e.name ? [[e.name, e.value ?? '']] : [])));
  const secrets = Object.fromEntries(
    (found?.secrets ?? []).flatMap((s) => (s.name && s.valueFrom ? [[s.name, s.valueFrom]] : [])),
  );
  return {
    env,
    secrets,
    ...(found?.entryPoint ? { entryPoint: found.entryPoint } : {}),
    ...(found?.command ? { command: found.command } : {}),
  };
}
