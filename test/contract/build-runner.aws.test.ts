import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe } from 'vitest';
import { CodeBuildBuildRunner } from '../../src/adapters/aws/codebuild-build-runner.ts';
import { buildRunnerErrorContract } from './build-runner.contract.ts';

/**
 * CodeBuild through the BuildRunner error contract. No account here can run a build, so CodeBuild is
 * scripted: BatchGetBuilds answers as it does for an id it does not know (no build, the id listed
 * under buildsNotFound, as in the AWS CLI reference).
 */
const codebuild = mockClient(CodeBuildClient);

describe('BuildRunner error contract: CodeBuildBuildRunner', () => {
  beforeEach(() => {
    codebuild.reset();
    codebuild
      .on(BatchGetBuildsCommand)
      .callsFake((input: { ids: string[] }) => ({ builds: [], buildsNotFound: input.ids }));
  });

  buildRunnerErrorContract(
    () =>
      new CodeBuildBuildRunner({
        projectName: 'slipway-dev-build',
        registryLogin: 'ecr',
        client: new CodeBuildClient({ region: 'eu-west-1' }),
      }),
  );
});
