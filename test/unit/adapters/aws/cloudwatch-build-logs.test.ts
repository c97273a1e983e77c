import { CloudWatchLogsClient, GetLogEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchBuildLogs } from '../../../../src/adapters/aws/cloudwatch-build-logs.ts';
import { TransientError } from '../../../../src/domain/errors.ts';

const logs = mockClient(CloudWatchLogsClient);
const BUILD = 'slipway-dev-build:0b4e6f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b';

describe('cloudwatch-build-logs', () => {
  beforeEach(() => logs.reset());

  it('reads the build stream forward from the start, one line per message', async () => {
    logs.on(GetLogEventsCommand).resolves({
      events: [{ message: '[Container] Entering phase BUILD\n' }, { message: '#5 DONE 0.1s\n#6 pushing\n' }],
      nextForwardToken: 'f/2',
    });
    const page = await new CloudWatchBuildLogs({
      logGroupName: '/aws/codebuild/slipway-dev',
      client: new CloudWatchLogsClient({}),
    }).read({ buildId: BUILD });
    expect(page).toEqual({
      lines: ['[Container] Entering phase BUILD', '#5 DONE 0.1s', '#6 pushing'],
      cursor: 'f/2',
      done: false,
    });
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toEqual({
      logGroupName: '/aws/codebuild/slipway-dev',
      logStreamName: '0b4e6f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
      startFromHead: true,
    });
  });

  it('resumes from the cursor, in the stream the build reported', async () => {
    logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: 'f/2' });
    await new CloudWatchBuildLogs({ logGroupName: 'unused', client: new CloudWatchLogsClient({}) }).read(
      { buildId: BUILD, logs: { group: 'g', stream: 's' } },
      'f/2',
    );
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toEqual({
      logGroupName: 'g',
      logStreamName: 's',
      startFromHead: true,
      nextToken: 'f/2',
    });
  });

  it('uses the stream prefix the project sets', async () => {
    logs.on(GetLogEventsCommand).resolves({ events: [] });
    await new CloudWatchBuildLogs({
      logGroupName: 'g',
      streamPrefix: 'build',
      client: new CloudWatchLogsClient({}),
    }).read({ buildId: BUILD });
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input.logStreamName).toBe(
      'build/0b4e6f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
    );
  });

  it('has nothing to read before the stream exists', async () => {
    logs
      .on(GetLogEventsCommand)
      .rejects(new ResourceNotFoundException({ message: 'The specified log stream does not exist.', $metadata: {} }));
    expect(
      await new CloudWatchBuildLogs({ logGroupName: 'g', client: new CloudWatchLogsClient({}) }).read(
        { buildId: BUILD },
        'f/1',
      ),
    ).toEqual({ lines: [], cursor: 'f/1', done: false });
  });

  it('turns throttling into a TransientError', async () => {
    logs
      .on(GetLogEventsCommand)
      .rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      );
    await expect(
      new CloudWatchBuildLogs({ logGroupName: 'g', client: new CloudWatchLogsClient({}) }).read({ buildId: BUILD }),
    ).rejects.toThrow(TransientError);
  });
});
