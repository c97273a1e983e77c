import { readFileSync } from 'node:fs';
import { WAIT_STATES, type WaitState } from '../domain/steps.ts';

/** Where the one state machine definition lives: serverless.yml and the local stack both read this file. */
export const DEFINITION_PATH = new URL('./state-machine.asl.json', import.meta.url);

/**
 * Task state → the function (serverless.yml key and functions/<file>.ts) it invokes. The ASL names
 * each one `${<State>FunctionArn}`, filled by DefinitionSubstitutions in AWS and by the local stack here.
 */
export const TASK_FUNCTIONS = {
  Prepare: 'prepare',
  StartBuild: 'start-build',
  AwaitBuild: 'await-build',
  ApplyLifecycle: 'apply-lifecycle',
  Deploy: 'deploy',
  AwaitRollout: 'await-rollout',
  ReportFailure: 'report-failure',
} as const;

export type TaskState = keyof typeof TASK_FUNCTIONS;

/**
 * The Tasks that wait for an event (`lambda:invoke.waitForTaskToken`): their function records the
 * Task's token and returns; the run goes on when an event's function (or the first look) resumes it.
 */
export const WAIT_TASKS: readonly (WaitState & TaskState)[] = WAIT_STATES;

/** `substitutionKey('StartBuild')` → `StartBuildFunctionArn` */
export function substitutionKey(state: TaskState): string {
  return `${state}FunctionArn`;
}

/** `loadDefinition({ PrepareFunctionArn: 'arn:…', … })` → the definition with every `${Key}` replaced; an unfilled key is an error. */
export function loadDefinition(substitutions: Record<string, string>): object {
  const text = readFileSync(DEFINITION_PATH, 'utf8').replace(/\$\{(\w+)\}/g, (_, key: string) => {
    const value = substitutions[key];
    if (value === undefined) throw new Error(`state-machine.asl.json uses \${${key}} and no value was given for it.`);
    return value;
  });
  return JSON.parse(text) as object;
}
