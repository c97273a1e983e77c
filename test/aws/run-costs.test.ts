import { describe, expect, it } from 'vitest';
import { simulateRunCosts } from './support/run-costs.ts';

// Issue 11.4's targets for one run with a 3-minute build and a 2-minute rollout, on the simulated clock.
describe('what a run costs in AWS (simulated: 3-minute build, 2-minute rollout)', () => {
  it('takes at most 30 state transitions and 12 Lambda invocations, and deploys within 2 s of the build’s end', async () => {
    const costs = await simulateRunCosts({ buildSeconds: 180, rolloutSeconds: 120 });

    expect(costs.transitions).toBeLessThanOrEqual(30);
    expect(costs.lambdaInvocations).toBeLessThanOrEqual(12);
    expect(costs.buildToDeployDelayMs).toBeLessThan(2000);
  });

  // Past them, a wait looks itself once per fallback timeout (15 minutes of build, 5 of rollout): test/aws/asl.test.ts bounds those.
  it('costs the same for a build and a rollout several times as long: nothing grows with the wait', async () => {
    const short = await simulateRunCosts({ buildSeconds: 180, rolloutSeconds: 120 });
    const long = await simulateRunCosts({ buildSeconds: 14 * 60, rolloutSeconds: 290 });

    expect([long.transitions, long.lambdaInvocations, long.historyEvents]).toEqual([
      short.transitions,
      short.lambdaInvocations,
      short.historyEvents,
    ]);
  });
});
