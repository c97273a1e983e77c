/** A build's output, line by line: CloudWatch Logs in AWS, the local build runner's captured output locally. */
export interface BuildLogs {
  /** `read({ buildId: 'slipway-hello:4f1c…' }, cursor)` → the lines after `cursor` (from the start when absent) and the cursor to read on from. */
  read(build: BuildLogRef, cursor?: string): Promise<BuildLogPage>;
}

export interface BuildLogRef {
  buildId: string;
  /** Where the build said its log is, when it has said so. */
  logs?: { group?: string; stream?: string; path?: string };
}

export interface BuildLogPage {
  lines: string[];
  cursor: string;
  /** True once the build has ended and every line has been read. */
  done: boolean;
}
