import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodeBuildBuildRunner } from '../../src/adapters/aws/codebuild-build-runner.ts';
import { EcsContainerService } from '../../src/adapters/aws/ecs-container-service.ts';
import { StepFunctionsWorkflow } from '../../src/adapters/aws/step-functions-workflow.ts';
import { createAwsDependencies } from '../../src/aws-dependencies.ts';
import { InvalidConfigError } from '../../src/domain/errors.ts';

const ROOT = join(import.meta.dirname, '../..');
const env = {
  AWS_REGION: 'eu-west-1',
  SLIPWAY_CONTEXT_BUCKET: 'slipway-dev-contexts',
  SLIPWAY_BUILD_PROJECT: 'slipway-dev-build',
  SLIPWAY_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:slipway-dev',
  SLIPWAY_CONFIG_PATH: join(ROOT, 'slipway.config.json'),
};

describe('aws-dependencies', () => {
  it('builds the AWS adapters from the environment and the config file', () => {
    const deps = createAwsDependencies(env);
    expect(deps.builds).toBeInstanceOf(CodeBuildBuildRunner);
    expect(deps.containers).toBeInstanceOf(EcsContainerService);
    expect(deps.workflow).toBeInstanceOf(StepFunctionsWorkflow);
    expect(deps.settings.contextBucket).toBe('slipway-dev-contexts');
    expect(Object.keys(deps.config.apps)).toEqual(['hello', 'tidy', 'capped']);
  });

  it('names every missing variable', () => {
    expect(() => createAwsDependencies({ SLIPWAY_CONTEXT_BUCKET: 'b' })).toThrow(InvalidConfigError);
    expect(() => createAwsDependencies({ SLIPWAY_CONTEXT_BUCKET: 'b' })).toThrow('lacks SLIPWAY_BUILD_PROJECT, SLIPWAY_STATE_MACHINE_ARN');
  });

  it('refuses an invalid config at cold start', () => {
    expect(() => createAwsDependencies({ ...env, SLIPWAY_CONFIG_PATH: join(ROOT, 'package.json') })).toThrow(/unknown key/);
  });
});
