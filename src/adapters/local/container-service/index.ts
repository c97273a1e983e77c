export { DockerContainerService, type DockerContainerServiceOptions } from './docker-container-service.ts';
export { DockerCommandError, InvalidSecretsFileError, SecretNotFoundError } from './errors.ts';
export { LABEL as CONTAINER_LABELS } from './docker.ts';
export { LocalSecretSource, SECRET_ENV_PREFIX, type LocalSecretSourceOptions, type SecretSource } from './secrets.ts';
