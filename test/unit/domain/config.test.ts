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
      service: {
        cluster: 'slipway',
        name: 'hello',
        container: 'hello',
        port: 8080,
        healthCheck: { path: '/', timeoutSeconds: 120, intervalSeconds: 5 },
        created: {
          cpu: 256,
          memory: 512,
          desiredCount: 1,
          environment: {},
          secrets: {},
          architecture: 'X86_64',
          public: true,
          taskPolicyArns: [],
          deregistrationDelaySeconds: 10,
          logRetentionDays: 30,
        },
      },
      triggers: {},
      maxUploadBytes: 500 * 1024 * 1024,
    });
  });

  it('deploys into a service made elsewhere with service.existing, creating nothing', () => {
    const config = parseConfig({
      apps: { web: { service: { existing: { cluster: 'prod', service: 'web-svc', container: 'app' }, port: 3000 } } },
    });
    expect(appConfig(config, 'web').service).toEqual({
      cluster: 'prod',
      name: 'web-svc',
      container: 'app',
      port: 3000,
      healthCheck: { path: '/', timeoutSeconds: 120, intervalSeconds: 5 },
      existing: { roleArns: [] },
    });
  });

  it('names an existing service after the app unless told otherwise', () => {
    const service = appConfig(
      parseConfig({ apps: { web: { service: { existing: { cluster: 'prod' } } } } }),
      'web',
    ).service;
    expect([service.name, service.container]).toEqual(['web', 'web']);
  });

  it('takes the created settings it is given', () => {
    const secret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf';
    const config = parseConfig({
      apps: {
        web: {
          platform: 'linux/arm64',
          service: {
            cpu: 1024,
            memory: 3072,
            environment: { MODE: 'prod' },
            secrets: { DB: secret },
            autoscaling: { min: 2, max: 6 },
            public: false,
            logRetentionDays: 7,
          },
        },
      },
    });
    expect(appConfig(config, 'web').service.created).toMatchObject({
      cpu: 1024,
      memory: 3072,
      desiredCount: 2,
      environment: { MODE: 'prod' },
      secrets: { DB: secret },
      architecture: 'ARM64',
      autoscaling: { min: 2, max: 6, cpuPercent: 60 },
      public: false,
      logRetentionDays: 7,
    });
  });

  it.each([
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf:password::',
    'arn:aws:ssm:eu-west-1:123456789012:parameter/web/db-password',
  ])('accepts the secret reference %s', (arn) => {
    expect(issuesOf({ apps: { web: { service: { secrets: { DB: arn } } } } })).toEqual([]);
  });

  it.each([
    [256, 512],
    [512, 4096],
    [4096, 30720],
    [16384, 122880],
  ])('accepts Fargate size %i CPU / %i MiB', (cpu, memory) => {
    expect(issuesOf({ apps: { web: { service: { cpu, memory } } } })).toEqual([]);
  });

  it("takes an app's maxUploadBytes over defaults.maxUploadBytes", () => {
    const config = parseConfig({
      apps: { hello: {}, small: { maxUploadBytes: 1024 } },
      defaults: { maxUploadBytes: 4096 },
    });
    expect(appConfig(config, 'small').maxUploadBytes).toBe(1024);
    expect(appConfig(config, 'hello').maxUploadBytes).toBe(4096);
  });

  it.each([
    [
      { apps: { hello: { dockerfle: 'Dockerfile' } } },
      'apps.hello.dockerfle: unknown key; remove it or check its spelling',
    ],
    [
      { apps: { hello: { service: { prot: 80 } } } },
      'apps.hello.service.prot: unknown key; remove it or check its spelling',
    ],
    [{ apps: { Hello: {} } }, 'apps.Hello: an app name is 1-40 characters of a-z, 0-9 and "-", starting with a letter'],
    [{}, 'apps: required'],
    [{ apps: { hello: { service: { port: 70000 } } } }, 'apps.hello.service.port'],
    [{ apps: { hello: { platform: 'windows/amd64' } } }, 'apps.hello.platform'],
    [{ apps: {}, extra: true }, 'extra: unknown key; remove it or check its spelling'],
    [{ apps: { hello: { maxUploadBytes: 0 } } }, 'apps.hello.maxUploadBytes'],
    [{ apps: { hello: { maxUploadBytes: 6 * 1024 ** 3 } } }, 'apps.hello.maxUploadBytes'],
    [
      { apps: { hello: { rebuild: { schedule: 'daily' } } } },
      'apps.hello.rebuild.schedule: must be an EventBridge schedule expression',
    ],
    [
      { apps: { hello: { rebuild: { schedule: 'rate(1 days)' } } } },
      'apps.hello.rebuild.schedule: is not a valid EventBridge schedule expression',
    ],
    [
      { apps: { web: { service: { cluster: 'prod' } } } },
      'apps.web.service.cluster: moved to apps.web.service.existing.cluster',
    ],
    [
      { apps: { web: { service: { name: 'svc' } } } },
      'apps.web.service.name: moved to apps.web.service.existing.service',
    ],
    [
      { apps: { web: { service: { container: 'app' } } } },
      '"service": { "existing": { "cluster": "…", "service": "…", "container": "…" } }',
    ],
    [
      { apps: { web: { service: { existing: { cluster: 'prod' }, cpu: 512, secrets: {} } } } },
      'apps.web.service: "existing" deploys into a service made elsewhere, which Slipway does not configure; remove "cpu", "secrets"',
    ],
    [
      { apps: { web: { service: { existing: { cluster: 'prod' }, healthCheck: { intervalSeconds: 10 } } } } },
      'remove "healthCheck.intervalSeconds"',
    ],
    [{ apps: { web: { service: { existing: {} } } } }, 'apps.web.service.existing.cluster: required'],
    [
      { apps: { web: { service: { cpu: 256, memory: 4096 } } } },
      'apps.web.service.memory: Fargate does not run 256 CPU units with 4096 MiB; with cpu 256 use 512, 1024, 2048.',
    ],
    [{ apps: { web: { service: { cpu: 1024, memory: 1024 } } } }, 'with cpu 1024 use 2048 to 8192 in steps of 1024'],
    [{ apps: { web: { service: { cpu: 300 } } } }, 'apps.web.service.cpu'],
    [
      { apps: { web: { service: { architecture: 'ARM64' } } } },
      'apps.web.service.architecture: ARM64 tasks need an ARM64 image; set apps.web.platform to "linux/arm64" too.',
    ],
    [
      { apps: { web: { platform: 'linux/amd64', service: { architecture: 'ARM64' } } } },
      'ARM64 does not match platform "linux/amd64"; use X86_64',
    ],
    [
      { apps: { web: { service: { secrets: { DB: 'my-password' } } } } },
      'apps.web.service.secrets.DB: must be the ARN of a Secrets Manager secret',
    ],
    [{ apps: { web: { service: { secrets: { DB: 'arn:aws:s3:::bucket/key' } } } } }, 'apps.web.service.secrets.DB'],
    [{ apps: { web: { service: { environment: { '1X': 'y' } } } } }, 'apps.web.service.environment.1X'],
    [
      {
        apps: {
          web: {
            service: { environment: { DB: 'x' }, secrets: { DB: 'arn:aws:ssm:eu-west-1:123456789012:parameter/db' } },
          },
        },
      },
      '"DB" is in both environment and secrets',
    ],
    [
      { apps: { web: { service: { autoscaling: { min: 3, max: 2 } } } } },
      'apps.web.service.autoscaling: min (3) is above max (2).',
    ],
    [
      { apps: { web: { service: { desiredCount: 9, autoscaling: { min: 1, max: 4 } } } } },
      'apps.web.service.desiredCount: 9 is outside autoscaling min..max (1..4)',
    ],
    [
      { apps: { web: { service: { domain: { name: 'app.example.com' } } } } },
      'apps.web.service.domain.certificateArn: required',
    ],
    [
      { apps: { web: { service: { domain: { certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' } } } } },
      'must be an ACM certificate ARN',
    ],
    [{ apps: { web: { service: { logRetentionDays: 10 } } } }, 'apps.web.service.logRetentionDays'],
    [
      { apps: { web: { service: { taskPolicyArns: ['AmazonS3ReadOnlyAccess'] } } } },
      'must be an IAM managed policy ARN',
    ],
    [
      { apps: { web: { service: { existing: { cluster: 'prod', roleArns: ['ecsTaskExecutionRole'] } } } } },
      'must be an IAM role ARN',
    ],
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
