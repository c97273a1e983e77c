import { createHash } from 'node:crypto';
import { verify } from '@octokit/webhooks-methods';
import * as v from 'valibot';
import { allApps, type AppConfig } from '../domain/config.ts';
import { contextKey } from '../domain/run-id.ts';
import { describeIssues } from '../domain/validation.ts';
import type { Dependencies } from './dependencies.ts';
import { claimDelivery } from './delivery-claim.ts';
import { eventRunId } from './event-run-id.ts';
import { repackTarball } from './repack.ts';

export interface WebhookRequest {
  headers: Record<string, string | undefined>;
  body: string;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

const PushSchema = v.looseObject({
  ref: v.string(),
  after: v.pipe(v.string(), v.regex(/^[0-9a-f]{40}$/)),
  deleted: v.optional(v.boolean(), false),
  repository: v.looseObject({ full_name: v.string(), pushed_at: v.optional(v.union([v.number(), v.string()])) }),
  pusher: v.optional(v.looseObject({ name: v.optional(v.string()) })),
  head_commit: v.optional(v.nullable(v.looseObject({ timestamp: v.optional(v.string()) }))),
  commits: v.optional(v.array(v.looseObject({ timestamp: v.optional(v.string()) }))),
});

const DELETED = /^0{40}$/;

/**
 * `POST /webhooks/github`. Verifies X-Hub-Signature-256 (HMAC-SHA256, constant time) before anything
 * else; answers ping; ignores, with the reason, what is not a push to a branch an app follows; for a
 * push it fetches the commit's tarball and stores it as each following app's context with the commit,
 * ref and pusher — the S3 event then starts the run, as an upload does. The first delivery of a signed
 * body claims it (a conditional write keyed by the body's hash); every other delivery of that body,
 * concurrent or later, under any delivery id, is answered `duplicate: true` with the same run ids,
 * and fetches and writes nothing.
 */
export async function handleGithubWebhook(
  request: WebhookRequest,
  deps: Pick<Dependencies, 'config' | 'objects' | 'secrets' | 'source' | 'clock' | 'logger'>,
): Promise<WebhookResponse> {
  const secret = await deps.secrets.get('githubWebhookSecret');
  if (!secret) {
    deps.logger.error('webhook refused: no secret configured', {});
    return {
      status: 503,
      body: {
        error: {
          name: 'WebhookNotConfigured',
          message:
            'No GitHub webhook secret is configured (SLIPWAY_GITHUB_WEBHOOK_SECRET locally, the githubWebhookSecret key of the Slipway secret in AWS).',
        },
      },
    };
  }
  const signature = request.headers['x-hub-signature-256'];
  if (!signature) {
    const sha1 = request.headers['x-hub-signature']
      ? ' (only X-Hub-Signature, SHA-1, was sent; Slipway accepts SHA-256 only)'
      : '';
    return unauthorized(`Missing X-Hub-Signature-256${sha1}. Set a secret on the webhook.`);
  }
  if (!(await verify(secret, request.body, signature).catch(() => false)))
    return unauthorized('X-Hub-Signature-256 does not match the body and the configured secret.');

  const event = request.headers['x-github-event'];
  const delivery = request.headers['x-github-delivery'] ?? '';
  if (event === 'ping') return { status: 200, body: { ok: true, event } };
  if (event !== 'push') return ignored(`"${event}" events are not handled; Slipway builds on push.`);

  const parsed = v.safeParse(PushSchema, safeJson(request.body));
  if (!parsed.success)
    return {
      status: 400,
      body: {
        error: { name: 'InvalidPayload', message: `Not a push payload: ${describeIssues(parsed.issues).join('; ')}` },
      },
    };
  const push = parsed.output;
  if (push.deleted || DELETED.test(push.after)) return ignored(`${push.ref} was deleted; there is nothing to build.`);
  if (!push.ref.startsWith('refs/heads/')) return ignored(`${push.ref} is not a branch.`);
  const branch = push.ref.slice('refs/heads/'.length);
  const repository = push.repository.full_name;
  const apps = followingApps(deps, repository, branch);
  if (apps.length === 0) {
    const following = followingApps(deps, repository).map((a) => `${a.name} (${a.triggers.github!.branch})`);
    return ignored(
      `No app follows ${repository}@${branch}.${following.length ? ` Apps following ${repository}: ${following.join(', ')}.` : ''}`,
    );
  }

  // GitHub signs the body, not the delivery header: a captured delivery could be resent with any
  // delivery id. So the run ids come from the signed body, and a push older than this is not built.
  const now = deps.clock.now().getTime();
  const time = pushTime(push);
  const ageSeconds = time === undefined ? 0 : Math.round((now - time) / 1000);
  if (ageSeconds > MAX_PUSH_AGE_SECONDS) {
    return ignored(
      `This push is ${Math.round(ageSeconds / 60)} minutes old; Slipway builds pushes delivered within ${MAX_PUSH_AGE_SECONDS / 60} minutes (replays of old deliveries are refused). Push again, or run: slipway rebuild --app <name>.`,
    );
  }
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  // The first delivery fixes the run ids (the claim keeps them for every later one): see runTime.
  const planned = apps.map((app) => ({
    app: app.name,
    runId: eventRunId(runTime(time, now), `github:${bodyHash}:${app.name}`),
  }));
  const claim = await claimDelivery(bodyHash, planned, deps);
  if (!claim.first) {
    deps.logger.info('duplicate delivery', {
      repository,
      commit: push.after,
      delivery,
      runIds: claim.runs.map((r) => r.runId),
    });
    return {
      status: 200,
      body: { duplicate: true, runId: claim.runs[0]?.runId, runs: claim.runs.map((r) => ({ ...r, duplicate: true })) },
    };
  }
  const tarball = await deps.source.tarball(repository, push.after);
  for (const run of claim.runs) {
    const app = apps.find((a) => a.name === run.app);
    if (!app) continue;
    const body = await repackTarball(tarball, app.contextPath);
    await deps.objects.put({
      key: contextKey(app.name, run.runId),
      body,
      contentType: 'application/gzip',
      metadata: {
        trigger: 'webhook',
        commit: push.after,
        ref: push.ref,
        ...(push.pusher?.name && { source: push.pusher.name }),
        ...(delivery && { delivery }),
      },
    });
    deps.logger.info('push accepted', { app: app.name, runId: run.runId, repository, commit: push.after, delivery });
  }
  return {
    status: 202,
    body: { duplicate: false, runId: claim.runs[0]?.runId, runs: claim.runs.map((r) => ({ ...r, duplicate: false })) },
  };
}

function followingApps(deps: Pick<Dependencies, 'config'>, repository: string, branch?: string): AppConfig[] {
  return allApps(deps.config).filter(
    (app) =>
      app.triggers.github?.repository.toLowerCase() === repository.toLowerCase() &&
      (branch === undefined || app.triggers.github.branch === branch),
  );
}

/** How old a push may be when it is delivered. GitHub delivers within seconds; a manual redelivery of a recent push still fits. */
export const MAX_PUSH_AGE_SECONDS = 600;

/**
 * The time part of a push's run ids: the push's time, so a delivery GitHub retried late still sorts before a
 * newer push. GitHub gives it to the second, and two pushes within one second would otherwise be ordered by
 * their bodies' hash (the run ids' other part) — newest wins could keep the older one. The first delivery's
 * arrival within that second breaks the tie (clamped to the second, so a late delivery does not pass a newer
 * push). A push with no time of its own takes its first delivery's.
 */
function runTime(pushed: number | undefined, now: number): number {
  if (pushed === undefined) return now;
  if (pushed % 1000 !== 0) return pushed;
  return pushed + Math.min(999, Math.max(0, now - pushed));
}

/** The push's own time first (runs sort by when they were pushed), then the head commit's, then its newest commit's; undefined when the body has none. */
function pushTime(push: v.InferOutput<typeof PushSchema>): number | undefined {
  const commits = (push.commits ?? [])
    .map((c) => c.timestamp)
    .filter((t): t is string => Boolean(t))
    .map(Date.parse)
    .filter(Number.isFinite);
  const candidates = [
    typeof push.repository.pushed_at === 'number' ? push.repository.pushed_at * 1000 : push.repository.pushed_at,
    push.head_commit?.timestamp,
    ...(commits.length ? [Math.max(...commits)] : []),
  ];
  for (const candidate of candidates) {
    const ms = typeof candidate === 'number' ? candidate : candidate ? Date.parse(candidate) : NaN;
    if (Number.isFinite(ms)) return ms;
  }
  return undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function unauthorized(message: string): WebhookResponse {
  return { status: 401, body: { error: { name: 'InvalidSignature', message } } };
}

function ignored(reason: string): WebhookResponse {
  return { status: 202, body: { ignored: reason } };
}
