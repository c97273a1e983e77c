/**
 * The buildspec's one protocol line for a failure it knows (buildspec/buildspec.yml prints it
 * before exiting); both build runners (CodeBuild's log tail, the local runner) read it the same way.
 */
/** The `slipway: error: <Kind>: <message>` line the buildspec prints before a known failure. */
export interface SlipwayErrorLine {
  kind: string;
  message: string;
}

/** `parseSlipwayErrorLine('slipway: error: DockerfileNotFound: Dockerfile')` → `{ kind: 'DockerfileNotFound', message: 'Dockerfile' }`. */
export function parseSlipwayErrorLine(line: string): SlipwayErrorLine | undefined {
  const match = /^slipway: error: ([A-Za-z]+): ?(.*)$/.exec(line.trim());
  return match ? { kind: match[1] as string, message: match[2] as string } : undefined;
}
