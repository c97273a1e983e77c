/** Secrets the handlers need (the GitHub webhook secret and token): Secrets Manager in AWS, the environment on the local stack. */
export interface SecretStore {
  /** `get('githubWebhookSecret')` → the value, or undefined when it is not configured. */
  get(name: SecretName): Promise<string | undefined>;
}

export type SecretName = 'githubWebhookSecret' | 'githubToken';
