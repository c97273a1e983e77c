import type { Template } from './package.ts';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement that applies to a role: its inline policies and any AWS::IAM::Policy or ManagedPolicy attached to it. */
export function roleStatements(template: Template, roleId: string): PolicyStatement[] {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not an AWS::IAM::Role`);
  const inline = ((role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  const attached = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .filter((r) =>
      ((r.Properties?.Roles ?? []) as unknown[]).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleId })),
    )
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
  return [...inline, ...attached];
}

export function list(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** IAM's matching: `*` is any run of characters, `?` one. */
export function matches(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(value);
}

/** The Allow statements of a role that grant the action. */
export function granting(statements: PolicyStatement[], action: string): PolicyStatement[] {
  return statements.filter((s) => s.Effect === 'Allow' && (list(s.Action) as string[]).some((a) => matches(a, action)));
}

/** Every action a role allows (as written). */
export function allowedActions(statements: PolicyStatement[]): string[] {
  return [...new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action) as string[]))].sort();
}
