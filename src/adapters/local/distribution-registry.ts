import { createHash } from 'node:crypto';
import { accessSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { SlipwayError, TransientError, type ErrorKind } from '../../domain/errors.ts';
import { ImageNotFoundError } from '../../ports/image-registry.ts';
import { MANIFEST_MEDIA_TYPES, type LifecycleOutcome } from '../../domain/images.ts';
import {
  evaluateLifecyclePolicy,
  type EcrLifecyclePolicy,
  type LifecyclePreview,
} from '../../domain/lifecycle/index.ts';
import type { ImageRegistry, RegistryImage } from '../../ports/image-registry.ts';
import { writeJsonAtomically } from './atomic-json.ts';
import { unlessMissing } from './unless-missing.ts';

/** Manifest lookups sent to the registry at a time. */
const LOOKUPS_AT_ONCE = 8;
/** The registry's own grammar for repository names and tags, and the digests it links to. */
const REPOSITORY_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** An answer of the registry, read whole. */
interface RegistryAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A header of an answer as one string (the registry sends each once). */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class RegistryRequestError extends SlipwayError {
  override name = 'RegistryRequestError';
  override readonly kind: ErrorKind = 'unavailable';
}

interface PushIndex {
  /** repository → digest → first push time */
  pushes: Record<string, Record<string, string>>;
  /** repository → the lifecycle policy last applied, to report whether it changed */
  policies: Record<string, string>;
}

/** A push notification as the distribution registry sends it (application/vnd.docker.distribution.events.v1+json). */
export interface RegistryNotification {
  events?: {
    action?: string;
    timestamp?: string;
    target?: { mediaType?: string; digest?: string; repository?: string };
  }[];
}

/**
 * ECR's stand-in: the distribution registry plus an index of push times (its API has none),
 * fed by the registry's push notifications. Lifecycle policies are evaluated here and now, and
 * expired manifests deleted by digest — the registry never deletes by tag.
 */
export class DistributionImageRegistry implements ImageRegistry {
  private index: PushIndex | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      url: string;
      host: string;
      indexPath: string;
      /**
       * The registry's filesystem storage (its `storage.filesystem.rootdirectory`), when this process may read
       * it: a repository's tags are then read from it, one small file each, instead of one HEAD per tag.
       */
      storageDir?: string;
      /**
       * The registry's own unix socket, when this process may reach it: requests then go straight to it
       * instead of through its loopback front (`url`), one hop fewer on every step that tags or looks up.
       */
      socketPath?: string;
      now?: () => Date;
    },
  ) {}

  /** Kept-alive connections: a run's steps ask the registry a few questions each, in quick succession. */
  private readonly agent = new Agent({ keepAlive: true });

  async ensureRepository(name: string): Promise<{ uri: string }> {
    // The registry creates a repository on its first push; there is nothing to create ahead of it.
    return { uri: `${this.options.host}/${name}` };
  }

  /** Record manifest pushes from the registry's notifications. */
  async recordNotification(notification: RegistryNotification): Promise<void> {
    const index = await this.load();
    let recorded = false;
    for (const event of notification.events ?? []) {
      const { target } = event;
      if (
        event.action !== 'push' ||
        !target?.digest ||
        !target.repository ||
        !MANIFEST_MEDIA_TYPES.includes(target.mediaType ?? '')
      )
        continue;
      const repo = (index.pushes[target.repository] ??= {});
      if (repo[target.digest]) continue;
      repo[target.digest] = event.timestamp ? new Date(event.timestamp).toISOString() : this.now().toISOString();
      recorded = true;
    }
    if (recorded) await this.save();
  }

  async listImages(repository: string): Promise<RegistryImage[]> {
    const index = await this.load();
    const known = (index.pushes[repository] ??= {});
    const byDigest = new Map<string, string[]>();
    const stored = this.stored(repository);
    // Every run tags its image, so a repository has many tags: read where they point from the registry's storage,
    // or else one HEAD per tag, side by side.
    const tags = stored ? await stored.tags() : await this.tags(repository);
    const tagged = await mapLimited(tags, LOOKUPS_AT_ONCE, (tag) =>
      stored ? stored.tagged(tag) : this.manifestDigest(repository, tag),
    );
    tags.forEach((tag, i) => {
      const digest = tagged[i];
      if (digest) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
    });
    // Untagged manifests are invisible to the tags API: the push index remembers them.
    const untagged = Object.keys(known).filter((digest) => !byDigest.has(digest));
    const present = await mapLimited(untagged, LOOKUPS_AT_ONCE, (digest) =>
      stored ? stored.has(digest) : this.manifestDigest(repository, digest),
    );
    // The index is written only when this changed it (most lists change nothing: a write per deploy, for nothing).
    let changed = false;
    untagged.forEach((digest, i) => {
      if (present[i]) {
        byDigest.set(digest, []);
      } else {
        delete known[digest];
        changed = true;
      }
    });
    const images = [...byDigest].map(([digest, tags]) => {
      if (!known[digest]) {
        // A push the notification has not reached us for yet: it happened just now.
        known[digest] = this.now().toISOString();
        changed = true;
      }
      return { digest, tags: tags.sort(), pushedAt: known[digest] };
    });
    if (changed) await this.save();
    return images.sort((a, b) => (a.pushedAt < b.pushedAt ? 1 : a.pushedAt > b.pushedAt ? -1 : 0));
  }

  async findImage(repository: string, tag: string): Promise<{ digest: string } | undefined> {
    // With the storage at hand: where the tag points, and that the manifest is still there — two small files,
    // where a HEAD through the API took a few ms of every run's Prepare.
    const stored = TAG.test(tag) ? this.stored(repository) : undefined;
    const linked = stored ? await stored.tagged(tag) : await this.manifestDigest(repository, tag);
    const digest = stored && linked ? await stored.has(linked) : linked;
    return digest ? { digest } : undefined;
  }

  async applyLifecyclePolicy(repository: string, policy: unknown): Promise<LifecycleOutcome> {
    const index = await this.load();
    const text = JSON.stringify(policy);
    const policyChanged = index.policies[repository] !== text;
    index.policies[repository] = text;
    const preview = await this.previewLifecyclePolicy(repository, policy as EcrLifecyclePolicy);
    for (const image of preview.expired) {
      await this.request('DELETE', `/v2/${repository}/manifests/${image.digest}`, [202, 404]);
      delete index.pushes[repository]?.[image.digest];
    }
    if (policyChanged || preview.expired.length > 0) await this.save();
    return {
      policyChanged,
      expired: preview.expired.map(({ digest, tags, rulePriority }) => ({ digest, tags, rulePriority })),
    };
  }

  async previewLifecyclePolicy(repository: string, policy: EcrLifecyclePolicy): Promise<LifecyclePreview> {
    return evaluateLifecyclePolicy(policy, await this.listImages(repository), this.now());
  }

  async tagImage(repository: string, digest: string, tag: string): Promise<void> {
    // The registry has no "add a tag": take the manifest by digest, byte for byte, and push it under the tag.
    const manifest =
      (await this.stored(repository)?.manifest(digest)) ?? (await this.fetchManifest(repository, digest));
    const put = await this.request('PUT', `/v2/${repository}/manifests/${tag}`, [201], {
      body: manifest.body,
      contentType: manifest.mediaType,
    });
    const stored = header(put.headers, 'docker-content-digest');
    if (stored && stored !== digest)
      throw new RegistryRequestError(
        `The local registry stored ${repository}:${tag} as ${stored}, not ${digest}: the manifest changed on the way. Tag it again.`,
      );
  }

  private async tags(repository: string): Promise<string[]> {
    const response = await this.request('GET', `/v2/${repository}/tags/list`, [200, 404]);
    if (response.status === 404) return [];
    const body = JSON.parse(response.body.toString('utf8')) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  /**
   * A repository as the registry's filesystem driver keeps it (docker/registry/v2/repositories/<name>/_manifests):
   * `tags/<tag>/current/link` holds the digest a tag points to, and `revisions/sha256/<hex>/link` exists while
   * the manifest does (deleting a manifest removes both). Undefined without the storage, or for a name the
   * registry would refuse anyway.
   * Read synchronously: these are tiny files on a local disk, a few microseconds each, where the promise API's
   * thread-pool round trips (open, stat, read, close) cost ten times more — at 266 tags, 2 ms instead of 13–30,
   * on every lifecycle run of a long-lived stack.
   */
  private stored(repository: string) {
    const root = this.options.storageDir;
    if (!root || !REPOSITORY_NAME.test(repository)) return undefined;
    const manifests = join(root, 'docker', 'registry', 'v2', 'repositories', ...repository.split('/'), '_manifests');
    const store = {
      tags: async () => (unlessMissing(() => readdirSync(`${manifests}/tags`)) ?? []).filter((t) => TAG.test(t)),
      tagged: async (tag: string) => {
        const link = unlessMissing(() => readFileSync(`${manifests}/tags/${tag}/current/link`, 'utf8'))?.trim();
        return link && DIGEST.test(link) ? link : undefined;
      },
      has: async (digest: string) => {
        const [algorithm = '', hex = ''] = digest.split(':');
        if (!DIGEST.test(digest)) return undefined;
        const linked = unlessMissing(() => {
          accessSync(`${manifests}/revisions/${algorithm}/${hex}/link`);
          return true;
        });
        return linked ? digest : undefined;
      },
      /**
       * The manifest `digest` names, read from the registry's blob store (`blobs/sha256/<2>/<hex>/data`) when this
       * repository links it: a file read where an HTTP GET took ~3 ms of the step that tags a new image. Only a
       * manifest whose bytes hash to `digest` and that names its media type; otherwise undefined (ask the API).
       */
      manifest: async (digest: string) => {
        const [, hex = ''] = digest.split(':');
        if (!DIGEST.test(digest) || !(await store.has(digest))) return undefined;
        const body = unlessMissing(() =>
          readFileSync(`${root}/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`),
        );
        if (!body || `sha256:${createHash('sha256').update(body).digest('hex')}` !== digest) return undefined;
        let mediaType: unknown;
        try {
          mediaType = (JSON.parse(body.toString('utf8')) as { mediaType?: unknown }).mediaType;
        } catch {
          return undefined;
        }
        return typeof mediaType === 'string' && MANIFEST_MEDIA_TYPES.includes(mediaType)
          ? { body, mediaType }
          : undefined;
      },
    };
    return store;
  }

  /** The manifest `digest` names in `repository`, as the registry's API serves it. */
  private async fetchManifest(repository: string, digest: string): Promise<{ body: Buffer; mediaType: string }> {
    const manifest = await this.request('GET', `/v2/${repository}/manifests/${digest}`, [200, 404]);
    if (manifest.status === 404) throw new ImageNotFoundError(repository, digest);
    return { body: manifest.body, mediaType: header(manifest.headers, 'content-type') ?? MANIFEST_MEDIA_TYPES[0]! };
  }

  private async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    const response = await this.request('HEAD', `/v2/${repository}/manifests/${reference}`, [200, 404]);
    return response.status === 200 ? header(response.headers, 'docker-content-digest') : undefined;
  }

  private async request(
    method: string,
    path: string,
    expected: number[],
    send?: { body: Buffer; contentType: string },
  ): Promise<RegistryAnswer> {
    let response: RegistryAnswer;
    try {
      response = await this.exchange(method, path, send);
    } catch (error) {
      throw new RegistryRequestError(
        `The local registry at ${this.options.url} did not answer ${method} ${path}. Is the local stack up? (slipway local status)`,
        { cause: error },
      );
    }
    if (!expected.includes(response.status)) {
      const body = response.body.toString('utf8');
      // The registry answers 500 for a tag whose manifest another run's lifecycle is deleting at that moment:
      // asked again, it answers for what is there now. The state machine retries a TransientError.
      if (response.status >= 500)
        throw new TransientError(
          `The local registry answered ${method} ${path} with ${response.status}: ${body.slice(0, 300)}. It is safe to retry.`,
        );
      throw new RegistryRequestError(
        `The local registry answered ${method} ${path} with ${response.status}: ${body.slice(0, 300)}`,
      );
    }
    return response;
  }

  /**
   * One request, its answer read whole (manifests, tag lists and errors are small). node:http rather than
   * fetch: fetch's own machinery cost more than the registry's answer on every step that asks it something.
   */
  private exchange(
    method: string,
    path: string,
    send?: { body: Buffer; contentType: string },
    retried = false,
  ): Promise<RegistryAnswer> {
    const url = new URL(path, this.options.url);
    const where = this.options.socketPath
      ? { socketPath: this.options.socketPath }
      : { hostname: url.hostname, port: url.port };
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          ...where,
          agent: this.agent,
          method,
          path: url.pathname + url.search,
          headers: {
            host: url.host,
            accept: MANIFEST_MEDIA_TYPES.join(', '),
            ...(send && { 'content-type': send.contentType, 'content-length': String(send.body.length) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the registry closed as this request went out: every request here is
        // idempotent (GET, HEAD, DELETE, a PUT of the same manifest), so it is sent once more, on a new one.
        if (req.reusedSocket && error.code === 'ECONNRESET' && !retried)
          resolve(this.exchange(method, path, send, true));
        else reject(error);
      });
      req.end(send?.body);
    });
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private async load(): Promise<PushIndex> {
    if (this.index) return this.index;
    try {
      this.index = JSON.parse(await readFile(this.options.indexPath, 'utf8')) as PushIndex;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.index = { pushes: {}, policies: {} };
    }
    return this.index;
  }

  private async save(): Promise<void> {
    // Serialise writes: notifications and lifecycle runs may overlap.
    this.writing = this.writing.then(async () => {
      await writeJsonAtomically(this.options.indexPath, this.index);
    });
    await this.writing;
  }
}

/** `mapLimited(items, 8, fn)` → fn over every item, at most `limit` at a time, the results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
