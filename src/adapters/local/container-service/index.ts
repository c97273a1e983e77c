export { DockerContainerService, type DockerContainerServiceOptions } from './docker-container-service.ts';
export { DockerCommandError } from './errors.ts';
export { LABEL as CONTAINER_LABELS } from './docker.ts';
