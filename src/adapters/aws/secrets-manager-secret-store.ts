import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidConfigError } from '../../domain/errors.ts';
import type { SecretName, SecretStore } from '../../ports/secret-store.ts';
import { callAws } from './transient.ts';

/**
 * One Secrets Manager secret holding JSON `{ "githubWebhookSecret": "…", "githubToken": "…" }`,
 * read once per cold start and kept for `ttlMs` so a rotated secret is picked up without a deploy.
 */
export class SecretsManagerSecretStore implements SecretStore {
  private readonly client: SecretsManagerClient;
  private cached: { at: number; values: Record<string, unknown> } | undefined;

  constructor(
    private readonly options: { secretId: string; client?: SecretsManagerClient; ttlMs?: number; now?: () => number },
  ) {
    this.client = options.client ?? new SecretsManagerClient({});
  }

  async get(name: SecretName): Promise<string | undefined> {
    const value = (await this.values())[name];
    return typeof value === 'string' && value ? value : undefined;
  }

  private async values(): Promise<Record<string, unknown>> {
    const now = this.options.now?.() ?? Date.now();
    if (this.cached && now - this.cached.at < (this.options.ttlMs ?? 300_000)) return this.cached.values;
    const result = await callAws(`Secrets Manager GetSecretValue of ${this.options.secretId}`, () =>
      this.client.send(new GetSecretValueCommand({ SecretId: this.options.secretId })),
    );
    let values: unknown;
    try {
      values = JSON.parse(result.SecretString ?? '');
    } catch {
      values = undefined;
    }
    if (typeof values !== 'object' || values === null) {
      throw new InvalidConfigError(
        `The secret ${this.options.secretId} must be JSON like {"githubWebhookSecret":"…","githubToken":"…"}.`,
      );
    }
    this.cached = { at: now, values: values as Record<string, unknown> };
    return this.cached.values;
  }
}
