/** A build's output, line by line: CloudWatch Logs in AWS, the local build runner's captured output locally. */
export interface BuildLogs {
  /** `read({ buildId: 'slipway-hello:4f1c…' }, cursor)` → the lines after `cursor` (from the start when absent) and the cursor to read on from. */
  read(build: BuildLogRef, cursor?: string): Promise<BuildLogPage>;
  /**
   * `appended({ buildId }, '42', 20_000)` resolves once there is output after cursor 42 or the build has
   * ended (at once if so already), or after 20 s. Only a runner that hears of each line as it is written
   * has it (the local one); without it, callers poll.
   */
  appended?(build: BuildLogRef, cursor: string | undefined, timeoutMs: number): Promise<void>;
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
