import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { ExecutionHistory } from '../../../../src/domain/execution.ts';
import { getRunRoute } from '../../../../src/edges/routes/get-run.ts';
import type { Workflow } from '../../../../src/ports/workflow.ts';
import { RUN_ID } from '../../../support/run-machine.ts';

const history: ExecutionHistory = {
  runId: RUN_ID,
  app: 'hello',
  status: 'SUCCEEDED',
  startedAt: '2026-11-30T10:00:00.000Z',
  input: {},
  events: [{ type: 'ExecutionStarted', timestamp: '2026-11-30T10:00:00.000Z', input: {} }],
};

function event(headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return { pathParameters: { id: RUN_ID }, headers } as unknown as APIGatewayProxyEventV2;
}

function workflow(canWait: boolean): Workflow {
  return {
    start: async () => ({ started: false }),
    resume: async () => false,
    history: async () => history,
    list: async () => [],
    ...(canWait && { changed: async () => undefined }),
  };
}

describe('GET /runs/{id}', () => {
  it("answers the run with its history's version as ETag", async () => {
    const answer = await getRunRoute(event(), { workflow: workflow(true) });

    expect(answer.headers).toEqual({ etag: '"1-SUCCEEDED"' });
  });

  it('says it honoured a wait where the workflow can wait', async () => {
    const answer = await getRunRoute(event({ 'If-None-Match': '"0-RUNNING"', Prefer: 'wait=60' }), {
      workflow: workflow(true),
    });

    expect(answer.headers).toEqual({ etag: '"1-SUCCEEDED"', 'preference-applied': 'wait=20' });
  });

  it('says nothing of a wait where the workflow cannot wait', async () => {
    const answer = await getRunRoute(event({ 'if-none-match': '"0-RUNNING"', prefer: 'wait=10' }), {
      workflow: workflow(false),
    });

    expect(answer.headers).toEqual({ etag: '"1-SUCCEEDED"' });
  });
});
