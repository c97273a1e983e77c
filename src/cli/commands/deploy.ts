import { hostname, userInfo } from 'node:os';
import type { UploadTicket } from '../../api/create-upload.ts';
import { SlipwayError } from '../../domain/errors.ts';
import type { ApiClient } from '../api-client.ts';
import type { Output } from '../output.ts';
import { followAndReport } from '../report-run.ts';
import { packContext } from '../pack.ts';

export class UploadFailedError extends SlipwayError {
  override name = 'UploadFailedError';
}

export interface DeployOptions {
  dir: string;
  app: string;
  follow: boolean;
}

/** `slipway deploy <dir> --app <name>`: pack, ask for a presigned upload, upload, then follow the run. Returns the exit code. */
export async function run(options: DeployOptions, deps: { client: ApiClient; out: Output }): Promise<number> {
  const { client, out } = deps;
  const packed = await packContext(options.dir);
  out.line(`packed ${options.dir}: ${packed.files.length} file(s), ${formatBytes(packed.bytes.length)}`);
  const ticket = await client.request<UploadTicket>('POST', '/uploads', { app: options.app, uploader: uploader(), bytes: packed.bytes.length });
  const upload = await fetch(ticket.upload.url, { method: ticket.upload.method, headers: ticket.upload.headers, body: packed.bytes });
  if (!upload.ok) {
    const detail = (await upload.text()).slice(0, 500);
    throw new UploadFailedError(`Uploading the context for app "${options.app}" failed with HTTP ${upload.status}: ${detail}`);
  }
  out.event({ type: 'upload', runId: ticket.runId, app: ticket.app, bytes: packed.bytes.length, files: packed.files.length });
  out.line(`uploaded: run ${ticket.runId} (app ${ticket.app})`);
  if (!options.follow) {
    out.line(`follow it with: slipway status ${ticket.runId}`);
    return 0;
  }
  return followAndReport(client, ticket.runId, out);
}

function uploader(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
