import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CodeBuildBuildRunner } from '../../../src/adapters/aws/codebuild-build-runner.ts';
import { EcsContainerService } from '../../../src/adapters/aws/ecs-container-service.ts';
import { StepFunctionsWorkflow } from '../../../src/adapters/aws/step-functions-workflow.ts';
import { InvalidConfigError } from '../../../src/domain/errors.ts';
import * as aws from '../../../src/wiring/aws.ts';

const ROOT = join(import.meta.dirname, '../../..');
const env = {
  AWS_REGION: 'eu-west-1',
  SLIPWAY_CONTEXT_BUCKET: 'slipway-dev-contexts',
  SLIPWAY_BUILD_PROJECT: 'slipway-dev-build',
  SLIPWAY_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:slipway-dev',
  SLIPWAY_CONFIG_PATH: join(ROOT, 'slipway.config.json'),
};

describe('wiring/aws', () => {
  afterEach(() => aws.useEnvironment(process.env));

  it('builds the AWS adapters from the environment', () => {
    aws.useEnvironment(env);
    expect(aws.builds()).toBeInstanceOf(CodeBuildBuildRunner);
    expect(aws.containers()).toBeInstanceOf(EcsContainerService);
    expect(aws.workflow()).toBeInstanceOf(StepFunctionsWorkflow);
    expect(aws.settings().contextBucket).toBe('slipway-dev-contexts');
  });

  it('reads and validates the packaged config file', () => {
    aws.useEnvironment(env);
    expect(Object.keys(aws.config().apps)).toEqual(['hello', 'tidy', 'capped']);
  });

  it('builds each adapter once per cold start', () => {
    aws.useEnvironment(env);
    expect(aws.containers()).toBe(aws.containers());
  });

  it.each([
    ['settings', 'SLIPWAY_CONTEXT_BUCKET', () => aws.settings()],
    ['objects', 'SLIPWAY_CONTEXT_BUCKET', () => aws.objects()],
    ['builds', 'SLIPWAY_BUILD_PROJECT', () => aws.builds()],
    ['workflow', 'SLIPWAY_STATE_MACHINE_ARN', () => aws.workflow()],
  ])('names the missing variable %s needs', (_name, variable, build) => {
    aws.useEnvironment({});
    expect(build).toThrow(InvalidConfigError);
    expect(build).toThrow(`lacks ${variable}`);
  });

  it('refuses an invalid config', () => {
    aws.useEnvironment({ ...env, SLIPWAY_CONFIG_PATH: join(ROOT, 'package.json') });
    expect(() => aws.config()).toThrow(/unknown key/);
  });
});
