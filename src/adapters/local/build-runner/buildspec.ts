import { parse } from 'yaml';
import { InvalidBuildspecError } from './errors.ts';

/** The phases a buildspec may declare, in the order CodeBuild runs them. */
export const BUILDSPEC_PHASES = ['install', 'pre_build', 'build', 'post_build'] as const;
export type BuildspecPhaseName = (typeof BUILDSPEC_PHASES)[number];

export interface BuildspecPhase {
  commands: string[];
  /** Run after `commands` even when one of them failed; the phase fails if any command of either block fails. */
  finally: string[];
  /** Unset: CodeBuild's default transitions (install/pre_build failure ends the build, build failure still runs post_build). */
  onFailure?: 'ABORT' | 'CONTINUE';
}

/** What the local runner needs from a buildspec; everything else CodeBuild knows is ignored or rejected. */
export interface Buildspec {
  version: '0.1' | '0.2';
  /** Defaults: a variable the caller sets wins (start-build overrides beat the buildspec in CodeBuild too). */
  variables: Record<string, string>;
  exportedVariables: string[];
  phases: Record<BuildspecPhaseName, BuildspecPhase>;
}

// Keys that only matter in AWS (artifacts upload, reports, caching, users, proxies): accepted and ignored locally.
const IGNORED_TOP = ['run-as', 'proxy', 'batch', 'artifacts', 'secondary-artifacts', 'reports', 'cache'];
const TOP_KEYS = ['version', 'env', 'phases', ...IGNORED_TOP];
const ENV_KEYS = [
  'shell',
  'variables',
  'exported-variables',
  'git-credential-helper',
  'parameter-store',
  'secrets-manager',
];
const PHASE_KEYS = ['commands', 'finally', 'on-failure', 'run-as', 'runtime-versions'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `parseBuildspec(readFileSync('buildspec/buildspec.yml', 'utf8'), 'buildspec/buildspec.yml')` → the phases and env, or InvalidBuildspecError listing every problem. */
export function parseBuildspec(text: string, path = 'buildspec.yml'): Buildspec {
  const issues: string[] = [];
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new InvalidBuildspecError(path, [`not valid YAML: ${(error as Error).message}`]);
  }
  if (!isMap(doc)) throw new InvalidBuildspecError(path, ['(root): must be a mapping with version and phases']);

  unknownKeys(doc, TOP_KEYS, '', issues);
  const version = String(doc.version ?? '');
  if (version !== '0.1' && version !== '0.2')
    issues.push(`version: must be 0.2 (or 0.1), not "${version || '(missing)'}"`);

  const env = doc.env === undefined ? {} : doc.env;
  const variables: Record<string, string> = {};
  const exportedVariables: string[] = [];
  if (!isMap(env)) issues.push('env: must be a mapping');
  else {
    unknownKeys(env, ENV_KEYS, 'env.', issues);
    // The runner always runs bash; "sh" commands are valid bash, other shells are not.
    if (env.shell !== undefined && env.shell !== 'bash' && env.shell !== 'sh')
      issues.push(`env.shell: the local runner runs bash (or sh), not "${String(env.shell)}"`);
    for (const key of ['parameter-store', 'secrets-manager']) {
      if (env[key] !== undefined)
        issues.push(`env.${key}: not available locally; pass these values as environment variables instead`);
    }
    readVariables(env.variables, variables, issues);
    readExported(env['exported-variables'], exportedVariables, issues);
  }

  const phasesDoc = doc.phases === undefined ? {} : doc.phases;
  if (!isMap(phasesDoc)) issues.push('phases: must be a mapping of install, pre_build, build, post_build');
  else unknownKeys(phasesDoc, BUILDSPEC_PHASES, 'phases.', issues);
  const phases = Object.fromEntries(
    BUILDSPEC_PHASES.map((name) => [
      name,
      readPhase(isMap(phasesDoc) ? phasesDoc[name] : undefined, `phases.${name}`, issues),
    ]),
  ) as Record<BuildspecPhaseName, BuildspecPhase>;

  if (issues.length > 0) throw new InvalidBuildspecError(path, issues);
  return { version: version as Buildspec['version'], variables, exportedVariables, phases };
}

function readPhase(raw: unknown, at: string, issues: string[]): BuildspecPhase {
  const phase: BuildspecPhase = { commands: [], finally: [] };
  if (raw === undefined || raw === null) return phase;
  if (!isMap(raw)) {
    issues.push(`${at}: must be a mapping with commands`);
    return phase;
  }
  unknownKeys(raw, PHASE_KEYS, `${at}.`, issues);
  phase.commands = readCommands(raw.commands, `${at}.commands`, issues);
  phase.finally = readCommands(raw.finally, `${at}.finally`, issues);
  const onFailure = raw['on-failure'];
  if (onFailure === 'ABORT' || onFailure === 'CONTINUE') phase.onFailure = onFailure;
  else if (onFailure !== undefined)
    issues.push(`${at}.on-failure: the local runner knows ABORT and CONTINUE, not "${String(onFailure)}"`);
  return phase;
}

function readCommands(raw: unknown, at: string, issues: string[]): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    issues.push(`${at}: must be a list of commands`);
    return [];
  }
  return raw.flatMap((command: unknown, i) => {
    if (typeof command === 'string') return [command];
    // A bare `- false` or `- 42` is a YAML boolean or number; CodeBuild reads it as the command text.
    if (typeof command === 'boolean' || typeof command === 'number') return [String(command)];
    // The classic mistake: an unquoted "key: value" inside a command turns it into a mapping.
    const hint = isMap(command) ? ' (YAML read a mapping: quote the command, a ": " inside it starts a key)' : '';
    issues.push(`${at}[${i}]: must be a string${hint}`);
    return [];
  });
}

function readVariables(raw: unknown, into: Record<string, string>, issues: string[]): void {
  if (raw === undefined || raw === null) return;
  if (!isMap(raw)) {
    issues.push('env.variables: must be a mapping of NAME: value');
    return;
  }
  for (const [name, value] of Object.entries(raw)) {
    if (!NAME.test(name)) issues.push(`env.variables.${name}: not a valid variable name`);
    else if (value === null || typeof value === 'object') issues.push(`env.variables.${name}: must be a string`);
    else into[name] = String(value);
  }
}

function readExported(raw: unknown, into: string[], issues: string[]): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) {
    issues.push('env.exported-variables: must be a list of variable names');
    return;
  }
  raw.forEach((name: unknown, i) => {
    if (typeof name === 'string' && NAME.test(name)) into.push(name);
    else issues.push(`env.exported-variables[${i}]: not a valid variable name`);
  });
}

function unknownKeys(map: Record<string, unknown>, known: readonly string[], prefix: string, issues: string[]): void {
  for (const key of Object.keys(map)) {
    if (!known.includes(key))
      issues.push(`${prefix}${key}: unknown key; check its spelling (known: ${known.join(', ')})`);
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
