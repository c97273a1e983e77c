import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { loadDefinition, substitutionKey, TASK_FUNCTIONS, type TaskState } from '../../src/pipeline/definition.ts';

/** The substitutions CloudFormation makes in AWS: each Task's Lambda ARN (serverless.yml names functions `slipway-<stage>-<key>`). */
function deployedDefinition(): Record<string, unknown> {
  const states = Object.keys(TASK_FUNCTIONS) as TaskState[];
  return loadDefinition(
    Object.fromEntries(states.map((state) => [substitutionKey(state), `arn:aws:lambda:eu-west-1:123456789012:function:slipway-prod-${TASK_FUNCTIONS[state]}`])),
  ) as Record<string, unknown>;
}

describe('state-machine.asl.json', () => {
  it('passes asl-validator with the ARNs filled in', () => {
    const result = aslValidator(deployedDefinition());

    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is checked for real: a transition to a missing state fails the validator', () => {
    const definition = deployedDefinition() as { States: Record<string, { Next?: string }> };
    (definition.States.Prepare as { Next?: string }).Next = 'NoSuchState';

    expect(aslValidator(definition).isValid).toBe(false);
  });
});
