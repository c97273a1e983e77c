import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { LifecyclePreviewAnswer } from '../../use-cases/lifecycle-preview.ts';
import type { SlipwayConfig } from '../../domain/config.ts';
import { InvalidInputError, NoLifecycleRulesError, SlipwayError, type ErrorKind } from '../../domain/errors.ts';
import type { LifecyclePreview } from '../../domain/lifecycle/index.ts';
import { findProjectRoot } from '../../local-stack/paths.ts';
import { apiClient, type ApiClient } from '../api-client.ts';
import type { ReadText } from '../lifecycle-input.ts';
import { createOutput, type Output } from '../output.ts';

// The config reader, the lifecycle evaluator and the file readers (valibot) load when a subcommand runs, not for --help.

export function register(program: Command): void {
  const lifecycle = program
    .command('lifecycle')
    .description('ECR lifecycle policies: the policy an app gets, and what it would expire');
  lifecycle
    .command('render')
    .description(
      "print the ECR lifecycle policy JSON Slipway puts on the app's repository (the keepReleases rule first)",
    )
    .requiredOption('-a, --app <name>', 'the app in slipway.config.json')
    .action(async (flags: { app: string }) => {
      process.exitCode = await run({ action: 'render', app: flags.app }, cliDependencies(false));
    });
  lifecycle
    .command('preview')
    .description(
      "show what a lifecycle policy would expire: in an app's live repository (--app), or offline (--policy, --images)",
    )
    .option('-a, --app <name>', 'the app in slipway.config.json: preview against its repository')
    .option(
      '--policy <file>',
      'offline: awsx-style rules, a raw ECR policy, or the output of aws ecr get-lifecycle-policy, as JSON',
    )
    .option(
      '--images <file>',
      'offline: a JSON list of { digest, tags, pushedAt, … }, or the output of aws ecr describe-images',
    )
    .option('--now <iso>', 'offline: the time to evaluate at (default: now)')
    .option('--json', 'print { expired, transitioned, kept } as JSON')
    .action(async (flags: { app?: string; policy?: string; images?: string; now?: string; json?: boolean }) => {
      process.exitCode = await run(
        { action: 'preview', ...flags, json: Boolean(flags.json) },
        cliDependencies(Boolean(flags.json)),
      );
    });
}

export type LifecycleOptions =
  | { action: 'render'; app: string }
  | { action: 'preview'; app?: string; policy?: string; images?: string; now?: string; json: boolean };

export interface LifecycleDeps {
  out: Output;
  /** The project's slipway.config.json, validated (render). */
  config: () => SlipwayConfig | Promise<SlipwayConfig>;
  /** The Slipway API of the local stack or SLIPWAY_API_URL (preview --app). */
  client: () => Promise<ApiClient>;
  readText?: ReadText;
  now?: () => Date;
}

/** What the real CLI hands `run`: the project's config file, the API, the file system. */
export function cliDependencies(json: boolean): LifecycleDeps {
  const config = async () =>
    (await import('../../config-file.ts')).readConfigFile(join(findProjectRoot(), 'slipway.config.json'));
  return { out: createOutput(json), config, client: () => apiClient() };
}

/** How many times preview --app asks again while ECR is still previewing (the API waits about 25 s each time). */
const PREVIEW_ASKS = 5;

export class LifecyclePreviewUnfinishedError extends SlipwayError {
  override name = 'LifecyclePreviewUnfinishedError';
  override readonly kind: ErrorKind = 'unavailable';
}

/**
 * `slipway lifecycle render --app <name>`: the ECR policy Slipway puts on the app's repository.
 * `slipway lifecycle preview --app <name> [--json]`: what it would expire in the live repository now.
 * `slipway lifecycle preview --policy <file> --images <file> [--now <iso>] [--json]`: the same, offline.
 */
export async function run(options: LifecycleOptions, deps: LifecycleDeps): Promise<number> {
  if (options.action === 'render') return render(options.app, deps);
  const offline = options.policy !== undefined || options.images !== undefined;
  if (options.app !== undefined && offline)
    throw new InvalidInputError(
      'Pass either --app <name> (preview against the live repository) or --policy <file> --images <file> (offline), not both.',
    );
  if (offline) {
    if (options.policy === undefined || options.images === undefined)
      throw new InvalidInputError(
        `An offline preview needs both --policy <file> and --images <file> (missing ${options.policy === undefined ? '--policy' : '--images'}).`,
      );
    return previewOffline(
      { policy: options.policy, images: options.images, now: options.now, json: options.json },
      deps,
    );
  }
  if (options.app === undefined)
    throw new InvalidInputError(
      'Pass --app <name> to preview against the live repository, or --policy <file> --images <file> [--now <iso>] for an offline preview.',
    );
  if (options.now !== undefined)
    throw new InvalidInputError(
      "--now goes with an offline preview (--policy and --images); a live preview uses the registry's time.",
    );
  return previewLive(options.app, options.json, deps);
}

async function render(app: string, deps: LifecycleDeps): Promise<number> {
  const [{ appConfig }, { appLifecyclePolicy }] = await Promise.all([
    import('../../domain/config.ts'),
    import('../../domain/lifecycle/index.ts'),
  ]);
  const config = appConfig(await deps.config(), app);
  const policy = appLifecyclePolicy(config);
  if (policy === undefined) throw new NoLifecycleRulesError(config.name);
  deps.out.line(JSON.stringify(policy, null, 2));
  return 0;
}

async function previewOffline(
  options: { policy: string; images: string; now: string | undefined; json: boolean },
  deps: LifecycleDeps,
): Promise<number> {
  const [{ parseNow, readImagesFile, readPolicyFile }, { evaluateLifecyclePolicy }] = await Promise.all([
    import('../lifecycle-input.ts'),
    import('../../domain/lifecycle/index.ts'),
  ]);
  const read = deps.readText ?? ((path: string) => readFile(path, 'utf8'));
  const now = options.now === undefined ? (deps.now?.() ?? new Date()) : parseNow(options.now);
  const policy = await readPolicyFile(options.policy, read);
  const { images, notes } = await readImagesFile(options.images, read);
  for (const note of notes) deps.out.error(`note: ${note}`);
  const preview = evaluateLifecyclePolicy(policy, images, now);
  print(
    preview,
    `lifecycle preview of ${options.images} at ${now.toISOString()}, ${images.length} image(s):`,
    options.json,
    deps.out,
  );
  return 0;
}

async function previewLive(app: string, json: boolean, deps: LifecycleDeps): Promise<number> {
  const client = await deps.client();
  let answer: LifecyclePreviewAnswer | undefined;
  for (let ask = 1; ask <= PREVIEW_ASKS; ask++) {
    answer = await client.request<LifecyclePreviewAnswer>('GET', `/apps/${encodeURIComponent(app)}/lifecycle/preview`);
    if (answer.status === 'COMPLETE') break;
    if (ask < PREVIEW_ASKS) deps.out.line(`still previewing (${answer.message}); asking again…`);
  }
  if (answer?.status !== 'COMPLETE') {
    throw new LifecyclePreviewUnfinishedError(
      `${answer?.message ?? 'The preview did not finish.'} Run: slipway lifecycle preview --app ${app}`,
    );
  }
  const { expired, transitioned, kept } = answer;
  const count = expired.length + transitioned.length + kept.length;
  print(
    { expired, transitioned, kept },
    `lifecycle preview of app ${answer.app} (repository ${answer.repository}), ${count} image(s):`,
    json,
    deps.out,
  );
  return 0;
}

function print(preview: LifecyclePreview, heading: string, json: boolean, out: Output): void {
  if (json) {
    out.event({ expired: preview.expired, transitioned: preview.transitioned, kept: preview.kept });
    return;
  }
  out.line(heading);
  const tags = (t: readonly string[]) => (t.length ? t.join(', ') : '(untagged)');
  for (const i of preview.expired) out.line(`  expire   ${short(i.digest)}  rule ${i.rulePriority}  ${tags(i.tags)}`);
  for (const i of preview.transitioned)
    out.line(`  archive  ${short(i.digest)}  rule ${i.rulePriority}  ${tags(i.tags)}`);
  for (const i of preview.kept) out.line(`  keep     ${short(i.digest)}          ${tags(i.tags)}`);
  out.line(
    `${preview.expired.length} to expire, ${preview.transitioned.length} to archive, ${preview.kept.length} to keep`,
  );
}

/** `sha256:0123456789ab`: enough of a digest to tell images apart in a table; --json has them whole. */
function short(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}
