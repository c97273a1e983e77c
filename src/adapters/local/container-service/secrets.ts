import { readFile } from 'node:fs/promises';
import { InvalidSecretsFileError } from './errors.ts';

/** Where a task's secrets get their values on this machine (AWS: Secrets Manager and SSM, read by the task execution role). */
export interface SecretSource {
  /** `resolve('DATABASE_URL', 'arn:aws:secretsmanager:…:secret:db-AbCdEf')` → the value, or undefined when this machine has none. */
  resolve(variable: string, ref: string): Promise<string | undefined>;
  /** What a user does to give the secret a value, for error messages: `Add "arn:…" to /repo/.slipway/secrets.json …`. */
  where(variable: string, ref: string): string;
}

export interface LocalSecretSourceOptions {
  /** JSON object `{ "<ARN, or the variable name>": "<value>" }`; a missing file holds no secrets. */
  file: string;
  /** Read for `SLIPWAY_SECRET_<VARIABLE>`, which wins over the file. */
  env: Readonly<Record<string, string | undefined>>;
}

export const SECRET_ENV_PREFIX = 'SLIPWAY_SECRET_';

/**
 * The local stack's secrets: `SLIPWAY_SECRET_<VARIABLE>` in the environment first, then the file's entry for the
 * secret's ARN, then its entry for the variable name. The file is read at every resolve, so a value added while the
 * stack runs is used by the next container start.
 */
export class LocalSecretSource implements SecretSource {
  constructor(private readonly options: LocalSecretSourceOptions) {}

  async resolve(variable: string, ref: string): Promise<string | undefined> {
    const fromEnv = this.options.env[`${SECRET_ENV_PREFIX}${variable}`];
    if (fromEnv !== undefined) return fromEnv;
    const values = await this.readFile();
    return values[ref] ?? values[variable];
  }

  where(variable: string, ref: string): string {
    return `Add "${ref}": "<value>" to ${this.options.file}, or set ${SECRET_ENV_PREFIX}${variable} in the environment of the local stack`;
  }

  private async readFile(): Promise<Record<string, string>> {
    const { file } = this.options;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new InvalidSecretsFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the text it choked on: a secret value must not reach a log that way.
      throw new InvalidSecretsFileError(file, 'is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new InvalidSecretsFileError(file, 'is not a JSON object');
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string')
        throw new InvalidSecretsFileError(file, `has a value that is not a string (key "${key}")`);
      values[key] = value;
    }
    return values;
  }
}

/** `redact('db=hunter2 ok', ['hunter2'])` → `db=*** ok`: for container log lines and engine messages that may echo a secret. */
export function redact(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (value.length >= 3) out = out.split(value).join('***');
  return out;
}
