import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/config-file.ts';
import { allApps } from '../../src/domain/config.ts';
import { roleLogicalId, stackParts } from '../../serverless/stack.ts';
import type { Statement } from '../../serverless/permissions.ts';
import { ROOT } from './support/package.ts';

/**
 * serverless/stack.ts computed directly (what serverless/variables.cjs hands osls), for the choices
 * a param changes: packaging the whole stack for each would take minutes.
 */
const parts = (overrides: { githubSecretName?: string } = {}) =>
  stackParts({ root: ROOT, service: 'slipway', stage: 'prod', ...overrides });
const repositories = [
  ...new Set(allApps(readConfigFile(join(ROOT, 'slipway.config.json'))).map((app) => app.repository)),
];

function statements(roles: ReturnType<typeof parts>['roles'], id: string): Statement[] {
  const policies = roles[id]?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined;
  if (!policies) throw new Error(`no role ${id}`);
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

const ecrArn = (name: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:ecr:\${AWS::Region}:\${AWS::AccountId}:repository/${name}`,
});

describe('stack parts: the webhook secret', () => {
  it('grants the webhook the secret the githubSecretName param names', () => {
    const { roles } = parts({ githubSecretName: 'team/webhooks/github' });

    const grant = statements(roles, roleLogicalId('githubWebhook')).find((s) =>
      s.Action.includes('secretsmanager:GetSecretValue'),
    );

    expect(grant?.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:team/webhooks/github-*',
    });
  });

  it('grants slipway/<stage>/github when the param is not set', () => {
    const { roles } = parts();

    const grant = statements(roles, roleLogicalId('githubWebhook')).find((s) =>
      s.Action.includes('secretsmanager:GetSecretValue'),
    );

    expect(grant?.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:slipway/prod/github-*',
    });
  });
});

describe('stack parts: the build', () => {
  it('creates one <repository>-cache repository per app repository, expiring the cache manifests a newer build replaced', () => {
    const { buildCaches } = parts();

    const created = Object.values(buildCaches);

    expect(created.map((r) => r.Properties.RepositoryName).sort()).toEqual(
      repositories.map((name) => `${name}-cache`).sort(),
    );
    for (const repository of created) {
      expect(repository.Type).toBe('AWS::ECR::Repository');
      expect(repository.Properties).toMatchObject({ ImageTagMutability: 'MUTABLE', EmptyOnDelete: true });
      const policy = JSON.parse(
        (repository.Properties.LifecyclePolicy as { LifecyclePolicyText: string }).LifecyclePolicyText,
      ) as { rules: { selection: { tagStatus: string } }[] };
      expect(policy.rules.map((rule) => rule.selection.tagStatus)).toEqual(['untagged']);
    }
  });

  it('lets the build push to the app repositories and their cache repositories only', () => {
    const push = statements(parts().roles, 'BuildRole').find((s) => s.Action.includes('ecr:PutImage'));

    expect(push?.Resource).toEqual([
      ...repositories.map(ecrArn),
      ...repositories.map((name) => ecrArn(`${name}-cache`)),
    ]);
  });

  it('lets the build read the contexts with its own role', () => {
    const read = statements(parts().roles, 'BuildRole').find((s) => s.Action.includes('s3:GetObject'));

    expect(read?.Resource).toEqual({ 'Fn::Sub': '${ContextsBucket.Arn}/contexts/*' });
  });

  it('gives start-build no access to the contexts (it hands over their location, not a URL)', () => {
    const actions = statements(parts().roles, roleLogicalId('start-build')).flatMap((s) => s.Action);

    expect(actions.filter((action) => action.startsWith('s3:'))).toEqual([]);
  });
});
