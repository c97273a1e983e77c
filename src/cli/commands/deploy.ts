import { posix } from 'node:path';
import type { Command } from 'commander';
import type { UploadTicket } from '../../use-cases/create-upload.ts';
import type { BuildSettings } from '../../domain/build-key.ts';
import { ContextTooLargeError } from '../../domain/errors.ts';
import { apiClient, type ApiClient } from '../api-client.ts';
import { createOutput, type Output } from '../output.ts';
import { formatBytes, progressBar } from '../progress-bar.ts';

export interface DeployOptions {
  dir: string;
  app: string;
  follow: boolean;
  /** Build even when the repository already holds an image for the context's build key. */
  rebuild?: boolean;
}

/** What the build key of an app's context is computed with: where the build looks, and the app's build settings. */
export interface KeySettings {
  contextPath: string;
  settings: BuildSettings;
}

export function register(program: Command): void {
  program
    .command('deploy')
    .description('pack <dir> (honouring .dockerignore), upload it, and follow the run until the service serves it')
    .argument('<dir>', 'the build context: the folder with the Dockerfile')
    .requiredOption('-a, --app <name>', 'the app in slipway.config.json')
    .option('--json', 'one JSON event per line instead of text')
    .option('--no-follow', 'return once the context is uploaded')
    .option('--rebuild', 'build even when an image for this build key exists (for fresh base images)')
    .action(async (dir: string, flags: { app: string; json?: boolean; follow: boolean; rebuild?: boolean }) => {
      const out = createOutput(Boolean(flags.json));
      // The API is found after the folder is packed: a bad folder is bad input (exit 2) whether or not a stack is up.
      process.exitCode = await run(
        { dir, app: flags.app, follow: flags.follow, rebuild: Boolean(flags.rebuild) },
        { client: () => apiClient(), out, keySettings: projectKeySettings },
      );
    });
}

/**
 * The app's key settings from the project's slipway.config.json, or undefined when there is none to read
 * (the CLI run elsewhere): the client's key is only a cross-check, Prepare computes the one that counts.
 */
async function projectKeySettings(app: string): Promise<KeySettings | undefined> {
  try {
    const [{ join }, { readConfigFile }, { findProjectRoot }, { appConfig }, { buildSettings }, { BUILDSPEC_VERSION }] =
      await Promise.all([
        import('node:path'),
        import('../../config-file.ts'),
        import('../../local-stack/paths.ts'),
        import('../../domain/config.ts'),
        import('../../domain/build-key.ts'),
        import('../../../buildspec/version.ts'),
      ]);
    const config = appConfig(readConfigFile(join(findProjectRoot(), 'slipway.config.json')), app);
    return { contextPath: config.contextPath, settings: buildSettings(config, BUILDSPEC_VERSION) };
  } catch {
    return undefined;
  }
}

/**
 * `slipway deploy <dir> --app <name>`: pack, ask for a presigned upload, upload, then follow the run. Returns the exit code.
 * A context over the app's limit is refused before a byte is uploaded (by the API, which is told the size, or here).
 */
export async function run(
  options: DeployOptions,
  deps: {
    client: ApiClient | (() => Promise<ApiClient>);
    out: Output;
    /** The app's key settings, to compute the context's build key while packing; none, no key. */
    keySettings?: (app: string) => Promise<KeySettings | undefined>;
  },
): Promise<number> {
  const { out } = deps;
  const startedAt = Date.now();
  // Loaded when a deploy runs: tar and the live view stay out of `slipway --help` and the other commands.
  // What is needed only once the context is packed loads meanwhile, and while the requests are on their way.
  const later = Promise.all([import('../report-run.ts'), import('../upload.ts')]);
  later.catch(() => undefined); // awaited below, where a failure to load is reported
  const [{ packContext }, key] = await Promise.all([import('../pack.ts'), deps.keySettings?.(options.app)]);
  // With the app's settings at hand, the Dockerfile is known: it always goes in, and a context without it
  // is refused here rather than by a build that would fail seconds later (ContextDirectoryError, exit 2).
  const packed = await packContext(
    options.dir,
    key ? { key, dockerfile: { path: dockerfilePath(key), setting: `apps.${options.app}.dockerfile` } } : {},
  );
  out.line(
    `packed ${options.dir}: ${packed.files.length} file(s), ${formatBytes(packed.bytes.length)}` +
      (packed.buildKey ? `, build key ${packed.buildKey.slice(0, 12)}` : ''),
  );
  const client = typeof deps.client === 'function' ? await deps.client() : deps.client;
  const ticket = await client.request<UploadTicket>('POST', '/uploads', {
    app: options.app,
    uploader: await uploader(),
    bytes: packed.bytes.length,
    ...(packed.buildKey && { buildKey: packed.buildKey }),
    ...(options.rebuild && { rebuild: true }),
  });
  if (packed.bytes.length > ticket.upload.maxBytes)
    throw new ContextTooLargeError(
      ticket.app,
      packed.bytes.length,
      ticket.upload.maxBytes,
      `apps.${ticket.app}.maxUploadBytes`,
    );
  await uploadShowingProgress(ticket, packed.bytes, out);
  out.event({
    type: 'upload',
    runId: ticket.runId,
    app: ticket.app,
    bytes: packed.bytes.length,
    files: packed.files.length,
    ...(packed.buildKey && { buildKey: packed.buildKey }),
  });
  out.line(`uploaded: run ${ticket.runId} (app ${ticket.app})`);
  if (!options.follow) {
    out.line(`follow it with: slipway status ${ticket.runId} --follow`);
    return 0;
  }
  const [{ followAndReport }] = await later;
  return followAndReport(client, ticket.runId, out, startedAt);
}

/** Where the app's Dockerfile is in its context: `services/api` and `Dockerfile` → `services/api/Dockerfile`. */
function dockerfilePath(key: KeySettings): string {
  return posix.normalize(posix.join(key.contextPath, key.settings.dockerfile));
}

async function uploadShowingProgress(ticket: UploadTicket, bytes: Buffer, out: Output): Promise<void> {
  const terminal = !out.json && process.stdout.isTTY;
  const [{ upload }, logUpdate] = await Promise.all([
    import('../upload.ts'),
    terminal ? import('log-update') : undefined, // slow to load, and only a terminal draws the bar
  ]);
  const live = logUpdate?.createLogUpdate(process.stdout);
  const began = Date.now();
  let shown = 0;
  try {
    await upload(ticket.upload, bytes, (sent, total) => {
      // Redraw at most every 100 ms: a fast local upload would otherwise spend its time drawing.
      if (live && (sent === total || Date.now() - shown > 100)) {
        shown = Date.now();
        live(`uploading ${progressBar(sent, total, Date.now() - began)}`);
      }
    });
  } finally {
    live?.done();
  }
}

async function uploader(): Promise<string> {
  const { hostname, userInfo } = await import('node:os');
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}
