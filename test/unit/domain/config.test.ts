import { describe, expect, it } from 'vitest';
import { appConfig, parseConfig } from '../../../src/domain/config.ts';
import { InvalidConfigError, UnknownAppError } from '../../../src/domain/errors.ts';

function issuesOf(input: unknown): readonly string[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('config', () => {
  it('fills every default for a minimal app', () => {
    const app = appConfig(parseConfig({ apps: { hello: {} } }), 'hello');
    expect(app).toEqual({
      name: 'hello',
      repository: 'hello',
      contextPath: '.',
      dockerfile: 'Dockerfile',
      buildArgs: {},
      service: { cluster: 'default', name: 'hello', container: 'hello', port: 8080, healthCheck: { path: '/', timeoutSeconds: 120 } },
      triggers: {},
      maxUploadBytes: 500 * 1024 * 1024,
    });
  });

  it("takes an app's maxUploadBytes over defaults.maxUploadBytes", () => {
    const config = parseConfig({ apps: { hello: {}, small: { maxUploadBytes: 1024 } }, defaults: { maxUploadBytes: 4096 } });
    expect(appConfig(config, 'small').maxUploadBytes).toBe(1024);
    expect(appConfig(config, 'hello').maxUploadBytes).toBe(4096);
  });

  it.each([
    [{ apps: { hello: { dockerfle: 'Dockerfile' } } }, 'apps.hello.dockerfle: unknown key; remove it or check its spelling'],
    [{ apps: { hello: { service: { prot: 80 } } } }, 'apps.hello.service.prot: unknown key; remove it or check its spelling'],
    [{ apps: { Hello: {} } }, 'apps.Hello: an app name is 1-40 characters of a-z, 0-9 and "-", starting with a letter'],
    [{}, 'apps: required'],
    [{ apps: { hello: { service: { port: 70000 } } } }, 'apps.hello.service.port'],
    [{ apps: { hello: { platform: 'windows/amd64' } } }, 'apps.hello.platform'],
    [{ apps: {}, extra: true }, 'extra: unknown key; remove it or check its spelling'],
    [{ apps: { hello: { maxUploadBytes: 0 } } }, 'apps.hello.maxUploadBytes'],
    [{ apps: { hello: { maxUploadBytes: 6 * 1024 ** 3 } } }, 'apps.hello.maxUploadBytes'],
    [{ apps: { hello: { rebuild: { schedule: 'daily' } } } }, 'apps.hello.rebuild.schedule: must be an EventBridge schedule expression'],
    [{ apps: { hello: { rebuild: { schedule: 'rate(1 days)' } } } }, 'apps.hello.rebuild.schedule: is not a valid EventBridge schedule expression'],
  ])('rejects %j naming the key', (input, expected) => {
    expect(issuesOf(input).join('\n')).toContain(expected);
  });

  it('names the known apps for an unknown one', () => {
    const config = parseConfig({ apps: { hello: {}, web: {} } });
    expect(() => appConfig(config, 'nope')).toThrow(UnknownAppError);
    expect(() => appConfig(config, 'nope')).toThrow('Known apps: "hello", "web"');
  });

  it('does not treat inherited object keys as apps', () => {
    expect(() => appConfig(parseConfig({ apps: {} }), 'constructor')).toThrow(UnknownAppError);
  });
});
