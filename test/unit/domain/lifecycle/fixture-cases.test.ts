import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../../src/domain/errors.ts';
import {
  evaluateLifecyclePolicy,
  lifecyclePolicyFromConfig,
  validateLifecyclePolicy,
  type EcrLifecyclePolicy,
  type LifecycleImage,
} from '../../../../src/domain/lifecycle/index.ts';

/** The shared cases: AWS-documented outcomes and outcomes derived from ECR's evaluation rules (see its schemaNote). */
interface FixtureCase {
  name: string;
  policy: EcrLifecyclePolicy;
  now: string;
  images: (LifecycleImage & { label: string })[];
  expectedExpired: string[];
  expectedAppliedRulePriority: Record<string, number>;
}
interface InvalidCase {
  name: string;
  policy: unknown;
  reason: string;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../../fixtures/ecr-lifecycle-cases.json', import.meta.url), 'utf8'),
) as {
  cases: FixtureCase[];
  invalid: InvalidCase[];
} & Record<string, unknown>;

describe('ecr-lifecycle-cases.json', () => {
  it('has only the case lists this suite runs, so a new list cannot go untested', () => {
    const lists = Object.keys(fixture).filter((key) => Array.isArray(fixture[key]));
    expect(lists.sort()).toEqual(['cases', 'invalid']);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))(
    '%s: expires exactly the expected images, each by the expected rule',
    (_name, c) => {
      const preview = evaluateLifecyclePolicy(c.policy, c.images, new Date(c.now));

      expect(Object.fromEntries(preview.expired.map((e) => [e.digest, e.rulePriority]))).toEqual(
        c.expectedAppliedRulePriority,
      );
      expect(preview.expired.map((e) => e.digest).sort()).toEqual([...c.expectedExpired].sort());
      expect(preview.transitioned).toEqual([]);
      expect(preview.kept.map((k) => k.digest).sort()).toEqual(
        c.images
          .map((i) => i.digest)
          .filter((d) => !c.expectedExpired.includes(d))
          .sort(),
      );
    },
  );

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s: its policy passes validation', (_name, c) => {
    expect(validateLifecyclePolicy(c.policy)).toEqual([]);
  });

  it.each(fixture.invalid.map((c) => [c.name, c] as const))(
    '%s: validation rejects it, naming the rule',
    (_name, c) => {
      const issues = validateLifecyclePolicy(c.policy);

      expect(issues.length, c.reason).toBeGreaterThan(0);
      for (const issue of issues) expect(issue).toMatch(/^rules(\[\d+\] \(rulePriority \d+\))?: /);
    },
  );

  it.each(fixture.invalid.map((c) => [c.name, c] as const))(
    '%s: the config edge refuses it with InvalidConfigError',
    (_name, c) => {
      expect(() => lifecyclePolicyFromConfig(c.policy)).toThrow(InvalidConfigError);
    },
  );

  it.each(fixture.invalid.map((c) => [c.name, c] as const))('%s: the evaluator refuses to preview it', (_name, c) => {
    expect(() => evaluateLifecyclePolicy(c.policy as EcrLifecyclePolicy, [], new Date(0))).toThrow(InvalidConfigError);
  });
});
