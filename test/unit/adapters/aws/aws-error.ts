/** An error shaped like an SDK v3 service exception (name, message, `$metadata.httpStatusCode`, `$fault`). */
export function awsError(name: string, httpStatusCode: number, message = `${name} from the service`): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: 'c0ffee00-0000-4000-8000-000000000000', attempts: 3 },
  });
}
