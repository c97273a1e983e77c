import { CloudWatchLogsClient, GetLogEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs';
import type { BuildLogPage, BuildLogRef, BuildLogs } from '../../ports/build-logs.ts';
import { callAws } from './transient.ts';

export interface CloudWatchBuildLogsOptions {
  /** The CodeBuild project's log group (serverless.yml names it); used when the build has not reported its own yet. */
  logGroupName: string;
  /** CodeBuild's stream name prefix, when the project sets one: streams are `<prefix>/<build uuid>`. */
  streamPrefix?: string;
  client?: CloudWatchLogsClient;
}

/**
 * CodeBuild's output as CloudWatch Logs keeps it, read forward with GetLogEvents. The cursor is
 * CloudWatch's nextForwardToken. CloudWatch cannot tell that a stream is finished, so `done` stays
 * false; the caller knows from the build's status.
 */
export class CloudWatchBuildLogs implements BuildLogs {
  private readonly client: CloudWatchLogsClient;

  constructor(private readonly options: CloudWatchBuildLogsOptions) {
    this.client = options.client ?? new CloudWatchLogsClient({});
  }

  async read(build: BuildLogRef, cursor?: string): Promise<BuildLogPage> {
    const logGroupName = build.logs?.group ?? this.options.logGroupName;
    const uuid = build.buildId.slice(build.buildId.indexOf(':') + 1);
    const logStreamName =
      build.logs?.stream ?? (this.options.streamPrefix ? `${this.options.streamPrefix}/${uuid}` : uuid);
    try {
      const page = await callAws(`CloudWatch Logs GetLogEvents of ${logGroupName}/${logStreamName}`, () =>
        this.client.send(
          new GetLogEventsCommand({
            logGroupName,
            logStreamName,
            startFromHead: true,
            ...(cursor && { nextToken: cursor }),
          }),
        ),
      );
      const lines = (page.events ?? []).flatMap((e) => (e.message ?? '').replace(/\r?\n$/, '').split(/\r?\n/));
      return { lines, cursor: page.nextForwardToken ?? cursor ?? '', done: false };
    } catch (error) {
      // The stream appears once the build container starts logging: until then there is nothing to read.
      if (error instanceof ResourceNotFoundException) return { lines: [], cursor: cursor ?? '', done: false };
      throw error;
    }
  }
}
