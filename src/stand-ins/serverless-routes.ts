import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { EventPattern } from '../domain/event-pattern.ts';

export interface HttpRoute {
  function: string;
  method: string;
  path: string;
  /** `functions/get-run.handler` */
  handler: string;
}

export interface EventRule {
  function: string;
  pattern: EventPattern;
  handler: string;
}

interface ServerlessFunction {
  handler: string;
  events?: { httpApi?: { method: string; path: string }; eventBridge?: { pattern: EventPattern } }[];
}

/**
 * The local stack's routing table, read from serverless.yml: the HTTP API routes and the
 * EventBridge patterns AWS uses. CloudFormation `Ref`s in patterns are resolved from `refs`
 * (the local bucket's name for `Ref: ContextsBucket`). A pattern key whose value is a serverless
 * variable (`${file(…)}`, resolved at packaging) names what only AWS has — wakeRollouts' service
 * ARNs — and is left out: locally the stand-ins send events of the stack's own resources only.
 */
export function readServerlessRoutes(
  path: string,
  refs: Record<string, string>,
): { http: HttpRoute[]; events: EventRule[] } {
  const doc = parse(readFileSync(path, 'utf8')) as { functions?: Record<string, ServerlessFunction> };
  const http: HttpRoute[] = [];
  const events: EventRule[] = [];
  for (const [name, fn] of Object.entries(doc.functions ?? {})) {
    for (const event of fn.events ?? []) {
      if (event.httpApi)
        http.push({
          function: name,
          method: event.httpApi.method.toUpperCase(),
          path: event.httpApi.path,
          handler: fn.handler,
        });
      if (event.eventBridge)
        events.push({
          function: name,
          pattern: resolveRefs(event.eventBridge.pattern, refs) as EventPattern,
          handler: fn.handler,
        });
    }
  }
  return { http, events };
}

function resolveRefs(value: unknown, refs: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, refs));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]![0] === 'Ref') {
    const ref = String(entries[0]![1]);
    if (!(ref in refs))
      throw new Error(`serverless.yml refers to ${ref} in an event pattern; the local stack has no value for it.`);
    return refs[ref];
  }
  return Object.fromEntries(
    entries.filter(([, v]) => !isServerlessVariable(v)).map(([k, v]) => [k, resolveRefs(v, refs)]),
  );
}

function isServerlessVariable(value: unknown): boolean {
  return typeof value === 'string' && /^\$\{.+\}$/.test(value.trim());
}
