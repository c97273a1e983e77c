import type { CurrentVersion, DeploymentRecord } from './state-store.ts';
import type { WaitOutcome } from './wait-until-healthy.ts';

export type Failure =
  | Exclude<WaitOutcome, { kind: 'healthy' } | { kind: 'aborted' }>
  | { kind: 'not-started'; error: string }
  | { kind: 'secret'; error: string }
  | { kind: 'stopped' }
  | { kind: 'error'; error: string };

/**
 * The reason a rollout FAILED, for people: which app and image, what happened, the container's last words,
 * what still serves, and what to do next.
 */
export function failureReason(
  record: DeploymentRecord,
  failure: Failure,
  logs: readonly string[],
  serving: CurrentVersion | undefined,
  url: string | undefined,
): string {
  const { app, image, revision, port, healthCheck } = record;
  const check = `GET ${healthCheck.path} on port ${port}`;
  const parts = [
    `Deployment of app "${app}" (image ${image}, task definition revision ${revision}) failed: ${what(failure, check, healthCheck.timeoutSeconds)}.`,
  ];
  if (logs.length > 0) parts.push(`Last log lines:\n${logs.map((line) => `  ${line.slice(0, 300)}`).join('\n')}\n`);
  else if (failure.kind === 'exited' || failure.kind === 'timeout') parts.push('The container wrote no log lines.');
  if (failure.kind !== 'stopped') {
    parts.push(
      serving
        ? `Revision ${serving.revision} (${serving.image}) keeps serving${url ? ` at ${url}` : ''}.`
        : 'No version of the app is serving now.',
    );
  }
  const next = nextStep(failure, record);
  if (next) parts.push(next);
  return parts.join(' ');
}

function what(failure: Failure, check: string, timeoutSeconds: number): string {
  switch (failure.kind) {
    case 'exited':
      return `the container exited with code ${failure.exitCode}${failure.oomKilled ? ' (killed: out of memory)' : ''} before passing the health check ${check}`;
    case 'timeout':
      return `the container did not pass the health check ${check} within ${timeoutSeconds}s (last check: ${failure.lastCheck})`;
    case 'gone':
      return 'the container was removed by someone else before it passed the health check';
    case 'superseded':
      return `revision ${failure.revision} became healthy first and replaced it`;
    case 'not-started':
      return `the container did not start: ${engineMessage(failure.error)}`;
    case 'secret':
      return `the container could not start: ${failure.error.replace(/\.+$/, '')}`;
    case 'stopped':
      return 'the local stack was stopped, and its containers removed, before the rollout finished';
    case 'error':
      return `the rollout stopped on an error: ${failure.error}`;
  }
}

function nextStep(failure: Failure, record: DeploymentRecord): string | undefined {
  switch (failure.kind) {
    case 'exited':
      return `Run the image locally (docker run --rm ${record.image}) to see why it stops.`;
    case 'timeout':
      return (
        `Make sure the app listens on port ${record.port} and answers GET ${record.healthCheck.path} with 2xx or 3xx, ` +
        `or raise apps.${record.app}.service.healthCheck.timeoutSeconds (now ${record.healthCheck.timeoutSeconds}).`
      );
    case 'not-started':
      return 'Check that the image exists (docker image ls) or can be pulled from the local registry.';
    default:
      return undefined;
  }
}

// Docker's stderr ends with "See 'docker run --help'." and full stops that would double up in the sentence.
function engineMessage(stderr: string): string {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith("See '"))
    .join(' ')
    .replace(/\.+$/, '');
}
