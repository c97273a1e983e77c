import { afterEach, describe, expect, it, vi } from 'vitest';
import { logLevel, PowertoolsRunMetrics, powertoolsLogger } from '../../../src/adapters/powertools.ts';

/** Every line Powertools writes while `act` runs, parsed. */
async function captured(act: () => void): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true)),
    vi.spyOn(console, 'log').mockImplementation((...args) => void lines.push(args.join(' '))),
    vi.spyOn(console, 'info').mockImplementation((...args) => void lines.push(args.join(' '))),
  ];
  try {
    act();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('powertools adapters', () => {
  afterEach(() => vi.unstubAllEnvs());

  it.each([
    ['debug', 'DEBUG'],
    ['WARN', 'WARN'],
    ['silent', 'SILENT'],
    ['loud', 'INFO'],
    [undefined, 'INFO'],
  ])('reads the log level %s as %s', (value, expected) => {
    expect(logLevel(value)).toBe(expected);
  });

  it('writes one EMF line per metric with its dimensions', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const metrics = new PowertoolsRunMetrics({ namespace: 'Slipway', service: 'slipway' });

    const lines = await captured(() =>
      metrics.publish([{ name: 'BuildSeconds', unit: 'Seconds', value: 42, dimensions: { app: 'hello' } }]),
    );

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      app: 'hello',
      BuildSeconds: 42,
      _aws: { CloudWatchMetrics: [{ Namespace: 'Slipway', Metrics: [{ Name: 'BuildSeconds', Unit: 'Seconds' }] }] },
    });
  });

  it('logs the message with its fields beside it', async () => {
    const logger = powertoolsLogger({ service: 'slipway', level: 'info' });

    const lines = await captured(() => logger.info('image pushed', { runId: 'r1', app: 'hello' }));

    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'image pushed',
        service: 'slipway',
        runId: 'r1',
        app: 'hello',
      }),
    );
  });
});
