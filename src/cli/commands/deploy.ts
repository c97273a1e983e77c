import { hostname, userInfo } from 'node:os';
import { createLogUpdate } from 'log-update';
import type { UploadTicket } from '../../use-cases/create-upload.ts';
import { ContextTooLargeError } from '../../domain/errors.ts';
import type { ApiClient } from '../api-client.ts';
import type { Output } from '../output.ts';
import { packContext } from '../pack.ts';
import { formatBytes, progressBar } from '../progress-bar.ts';
import { followAndReport } from '../report-run.ts';
import { upload } from '../upload.ts';

export interface DeployOptions {
  dir: string;
  app: string;
  follow: boolean;
}

/**
 * `slipway deploy <dir> --app <name>`: pack, ask for a presigned upload, upload, then follow the run. Returns the exit code.
 * A context over the app's limit is refused before a byte is uploaded (by the API, which is told the size, or here).
 */
export async function run(options: DeployOptions, deps: { client: ApiClient; out: Output }): Promise<number> {
  const { client, out } = deps;
  const startedAt = Date.now();
  const packed = await packContext(options.dir);
  out.line(`packed ${options.dir}: ${packed.files.length} file(s), ${formatBytes(packed.bytes.length)}`);
  const ticket = await client.request<UploadTicket>('POST', '/uploads', { app: options.app, uploader: uploader(), bytes: packed.bytes.length });
  if (packed.bytes.length > ticket.upload.maxBytes) throw new ContextTooLargeError(ticket.app, packed.bytes.length, ticket.upload.maxBytes, `apps.${ticket.app}.maxUploadBytes`);
  await uploadShowingProgress(ticket, packed.bytes, out);
  out.event({ type: 'upload', runId: ticket.runId, app: ticket.app, bytes: packed.bytes.length, files: packed.files.length });
  out.line(`uploaded: run ${ticket.runId} (app ${ticket.app})`);
  if (!options.follow) {
    out.line(`follow it with: slipway status ${ticket.runId} --follow`);
    return 0;
  }
  return followAndReport(client, ticket.runId, out, startedAt);
}

async function uploadShowingProgress(ticket: UploadTicket, bytes: Buffer, out: Output): Promise<void> {
  const live = !out.json && process.stdout.isTTY ? createLogUpdate(process.stdout) : undefined;
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

function uploader(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}
