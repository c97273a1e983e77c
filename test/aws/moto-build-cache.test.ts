import {
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allApps, parseConfig } from '../../src/domain/config.ts';
import { buildCaches } from '../../serverless/stack.ts';
import { requireMoto, startMoto, xmlValues, type Moto } from './support/moto.ts';

/**
 * The build cache repositories as the packaged template has them (serverless/stack.ts buildCaches),
 * made through moto's CloudFormation, next to an app repository whose tag rules count every tag.
 * moto 5.2's CloudFormation ignores an ECR repository's LifecyclePolicy property, so the policy text is
 * put with PutLifecyclePolicy, which moto checks with its lifecycle-policy validator; moto does not
 * evaluate lifecycle rules (the domain's evaluateLifecyclePolicy is tested on its own).
 */
const moto = requireMoto();
const CONFIG = parseConfig({
  apps: {
    web: { repository: 'web', service: { existing: { cluster: 'apps' }, port: 8080 } },
    tidy: {
      repository: 'tidy',
      lifecycle: [{ selection: { tagPatternList: ['*'] }, maximumNumberOfImages: 1 }],
      service: { existing: { cluster: 'apps' }, port: 8080 },
    },
  },
});

describe.skipIf(!moto.available)(`emulated AWS: the build cache repositories in moto (${moto.reason})`, () => {
  let aws: Moto;
  let ecr: ECRClient;
  const resources = buildCaches(allApps(CONFIG));

  beforeAll(async () => {
    aws = await startMoto();
    ecr = new ECRClient({
      endpoint: aws.endpoint,
      region: aws.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const template = { AWSTemplateFormatVersion: '2010-09-09', Resources: resources };
    const cfn = (params: Record<string, string>) =>
      aws.query('cloudformation', { Version: '2010-05-15', StackName: 'slipway-cache', ...params });
    await cfn({ Action: 'CreateStack', TemplateBody: JSON.stringify(template) });
    const deadline = Date.now() + 60_000;
    while (xmlValues(await cfn({ Action: 'DescribeStacks' }), 'StackStatus')[0] !== 'CREATE_COMPLETE') {
      if (Date.now() > deadline) throw new Error('moto did not create the stack in 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  afterAll(async () => {
    ecr?.destroy();
    await aws?.stop();
  });

  it("creates a <repository>-cache repository per app repository, and none of the apps' own", async () => {
    const { repositories } = await ecr.send(new DescribeRepositoriesCommand({}));

    expect(repositories?.map((r) => [r.repositoryName, r.imageTagMutability]).sort()).toEqual([
      ['tidy-cache', 'MUTABLE'],
      ['web-cache', 'MUTABLE'],
    ]);
  });

  it('has a lifecycle policy ECR accepts, expiring only untagged cache manifests', async () => {
    for (const resource of Object.values(resources)) {
      const repositoryName = resource.Properties.RepositoryName as string;
      const lifecyclePolicyText = (resource.Properties.LifecyclePolicy as { LifecyclePolicyText: string })
        .LifecyclePolicyText;

      await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText }));
      const stored = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));

      const rules = (
        JSON.parse(stored.lifecyclePolicyText ?? '{}') as { rules: { selection: Record<string, unknown> }[] }
      ).rules;
      expect(rules.map((rule) => rule.selection)).toEqual([
        { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
      ]);
    }
  });
});
