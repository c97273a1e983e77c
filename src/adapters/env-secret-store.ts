import type { SecretName, SecretStore } from '../ports/secret-store.ts';

const VARIABLES: Record<SecretName, string> = {
  githubWebhookSecret: 'SLIPWAY_GITHUB_WEBHOOK_SECRET',
  githubToken: 'SLIPWAY_GITHUB_TOKEN',
};

/** The local stack's secrets: the environment `slipway local up` was started with. */
export class EnvSecretStore implements SecretStore {
  constructor(private readonly env: Record<string, string | undefined>) {}

  async get(name: SecretName): Promise<string | undefined> {
    return this.env[VARIABLES[name]] || undefined;
  }
}
