import { parseConfig, type SlipwayConfig } from '../../src/domain/config.ts';
import { ImageNotFoundError } from '../../src/ports/image-registry.ts';
import type { LifecycleOutcome } from '../../src/domain/images.ts';
import {
  evaluateLifecyclePolicy,
  type EcrLifecyclePolicy,
  type LifecyclePreview,
} from '../../src/domain/lifecycle/index.ts';
import type { Dependencies } from '../../src/use-cases/dependencies.ts';
import type { BuildLogPage, BuildLogRef, BuildLogs } from '../../src/ports/build-logs.ts';
import type { BuildRequest, BuildRunner, BuildState } from '../../src/ports/build-runner.ts';
import type {
  ContainerService,
  DeployRequest,
  Deployment,
  RolloutStatus,
  ServingVersion,
} from '../../src/ports/container-service.ts';
import type { BusEvent, EventBus } from '../../src/ports/event-bus.ts';
import type { ImageRegistry, RegistryImage } from '../../src/ports/image-registry.ts';
import type { Metrics } from '../../src/ports/metrics.ts';
import type { Logger } from '../../src/ports/logger.ts';
import type {
  ConditionalWrite,
  ObjectStore,
  PresignedPost,
  PresignedRequest,
  StoredObject,
  UploadRequest,
  VersionedObject,
  WriteCondition,
} from '../../src/ports/object-store.ts';
import type { SecretName, SecretStore } from '../../src/ports/secret-store.ts';
import type { SourceRepository } from '../../src/ports/source-repository.ts';
import type { Workflow } from '../../src/ports/workflow.ts';

export const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** Plain fakes of every port: what the use-cases and the state machine are tested against. */
export class FakeObjects implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  readonly uploads: UploadRequest[] = [];
  async createUpload(request: UploadRequest): Promise<PresignedPost> {
    this.uploads.push(request);
    return {
      method: 'POST',
      url: 'https://s3.example/',
      fields: { key: request.key, 'Content-Type': request.contentType, Policy: 'e30=', 'X-Amz-Signature': 'signed' },
      expiresAt: '2030-01-01T00:00:00Z',
      maxBytes: request.maxBytes,
    };
  }
  async createDownload(request: { key: string }): Promise<PresignedRequest> {
    return {
      method: 'GET',
      url: `https://s3.example/${request.key}?signed-get`,
      headers: {},
      expiresAt: '2030-01-01T00:00:00Z',
    };
  }
  async head(key: string) {
    return this.objects.get(key);
  }
  async put(object: { key: string; body: Uint8Array; contentType?: string; metadata?: Record<string, string> }) {
    this.objects.set(object.key, { key: object.key, size: object.body.length, metadata: object.metadata ?? {} });
    this.versions.set(object.key, { body: object.body, etag: `"${++this.etags}"` });
  }
  async get(key: string) {
    return this.versions.get(key)?.body;
  }
  async stream(key: string) {
    const body = this.versions.get(key)?.body;
    const stored = this.objects.get(key);
    return (
      body &&
      stored && {
        ...stored,
        body: (async function* () {
          yield body;
        })(),
      }
    );
  }
  /** Objects written with putIf, with their ETags (a counter): the guards' markers. */
  readonly versions = new Map<string, VersionedObject>();
  private etags = 0;
  async getVersion(key: string) {
    return this.versions.get(key);
  }
  async putIf(object: { key: string; body: Uint8Array }, condition: WriteCondition): Promise<ConditionalWrite> {
    const current = this.versions.get(object.key);
    const holds = 'ifNoneMatch' in condition ? current === undefined : current?.etag === condition.ifMatch;
    if (!holds) return { written: false };
    const etag = `"${++this.etags}"`;
    this.versions.set(object.key, { body: object.body, etag });
    return { written: true, etag };
  }
  async list(prefix: string) {
    return [...new Set([...this.objects.keys(), ...this.versions.keys()])].filter((k) => k.startsWith(prefix)).sort();
  }
  async delete(key: string) {
    this.objects.delete(key);
    this.versions.delete(key);
  }
}

/**
 * A build that reports the scripted states one `get` at a time, then stays on the last. With a registry,
 * a build that succeeds leaves its image there under the tags it was asked to push, as a real build does.
 */
export class FakeBuilds implements BuildRunner {
  readonly started: BuildRequest[] = [];
  constructor(
    public script: Omit<BuildState, 'buildId'>[] = [
      { status: 'IN_PROGRESS', phase: 'BUILD' },
      { status: 'SUCCEEDED', phase: 'COMPLETED', imageDigest: DIGEST },
    ],
    private readonly pushTo?: FakeRegistry,
  ) {}
  async start(request: BuildRequest) {
    this.started.push(request);
    return { buildId: `build-${this.started.length}` };
  }
  async get(buildId: string): Promise<BuildState> {
    const next = this.script.length > 1 ? this.script.shift()! : this.script[0]!;
    const request = this.started[Number(buildId.replace('build-', '')) - 1];
    if (this.pushTo && request && next.status === 'SUCCEEDED' && next.imageDigest) {
      const image = this.pushTo.images.find((i) => i.digest === next.imageDigest);
      if (image) image.tags = [...new Set([...image.tags, ...request.imageTags])];
      else
        this.pushTo.images.push({
          digest: next.imageDigest,
          tags: [...request.imageTags],
          pushedAt: '2026-11-30T10:00:00Z',
        });
    }
    return { buildId, ...next };
  }
}

/** Build output served in pages of two lines: enough to test cursors. */
export class FakeBuildLogs implements BuildLogs {
  constructor(public lines: string[] = ['#1 building', '#2 pushing', 'digest: sha256:ab']) {}
  async read(_build: BuildLogRef, cursor = '0'): Promise<BuildLogPage> {
    const from = Number(cursor);
    const lines = this.lines.slice(from, from + 2);
    return { lines, cursor: String(from + lines.length), done: from + lines.length >= this.lines.length };
  }
}

export class FakeRegistry implements ImageRegistry {
  readonly policies: unknown[] = [];
  /** Every tagImage call, in order. */
  readonly tagged: { repository: string; digest: string; tag: string }[] = [];
  /** The repository's images; tagImage moves tags between them as a registry would. */
  constructor(public images: RegistryImage[] = []) {}
  async ensureRepository(name: string) {
    return { uri: `registry.example/${name}` };
  }
  async listImages(): Promise<RegistryImage[]> {
    return this.images.map((i) => ({ ...i, tags: [...i.tags] }));
  }
  async findImage(_repository: string, tag: string) {
    const image = this.images.find((i) => i.tags.includes(tag));
    return image && { digest: image.digest };
  }
  async applyLifecyclePolicy(_repository: string, policy: unknown): Promise<LifecycleOutcome> {
    this.policies.push(policy);
    return { policyChanged: true, expired: [] };
  }
  async previewLifecyclePolicy(_repository: string, policy: EcrLifecyclePolicy): Promise<LifecyclePreview> {
    return evaluateLifecyclePolicy(policy, this.images, new Date('2026-11-30T10:00:00Z'));
  }
  async tagImage(repository: string, digest: string, tag: string): Promise<void> {
    const image = this.images.find((i) => i.digest === digest);
    if (!image) throw new ImageNotFoundError(repository, digest);
    this.tagged.push({ repository, digest, tag });
    for (const other of this.images) other.tags = other.tags.filter((t) => t !== tag);
    image.tags.push(tag);
  }
}

export class FakeContainers implements ContainerService {
  readonly deployed: DeployRequest[] = [];
  serving_: ServingVersion | undefined;
  constructor(
    public rollouts: RolloutStatus[] = [
      { state: 'IN_PROGRESS', runningCount: 0, desiredCount: 1 },
      { state: 'COMPLETED', runningCount: 1, desiredCount: 1, url: 'http://127.0.0.1:9999' },
    ],
  ) {}
  async deploy(request: DeployRequest): Promise<Deployment> {
    this.deployed.push(request);
    // As both adapters do: a service already serving the image registers and moves nothing.
    if (this.serving_?.image === request.image) {
      const { taskDefinition, revision, url } = this.serving_;
      return { deploymentId: 'dep-serving', taskDefinition, revision, unchanged: true, ...(url && { url }) };
    }
    return {
      deploymentId: `dep-${this.deployed.length}`,
      taskDefinition: `${request.app}:${this.deployed.length + 1}`,
      revision: this.deployed.length + 1,
    };
  }
  async rollout(): Promise<RolloutStatus> {
    return this.rollouts.length > 1 ? this.rollouts.shift()! : this.rollouts[0]!;
  }
  async serving() {
    return this.serving_;
  }
}

export class RecordingBus implements EventBus {
  readonly events: BusEvent[] = [];
  async publish(events: BusEvent[]) {
    this.events.push(...events);
  }
}

export class FakeSecrets implements SecretStore {
  constructor(
    public values: Partial<Record<SecretName, string>> = {
      githubWebhookSecret: "It's a Secret to Everybody",
      githubToken: 'ghp_test',
    },
  ) {}
  async get(name: SecretName) {
    return this.values[name];
  }
}

/** Serves whatever tarball the test sets, and records what was asked for. */
export class FakeSource implements SourceRepository {
  readonly requests: string[] = [];
  constructor(public tarballBytes: Uint8Array = new Uint8Array()) {}
  async tarball(repository: string, commit: string) {
    this.requests.push(`${repository}@${commit}`);
    return this.tarballBytes;
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Metrics that go nowhere; tests of metrics pass their own recorder. */
export const noMetrics: Metrics = { publish() {} };

export const unusedWorkflow: Workflow = {
  start: async () => {
    throw new Error('not used');
  },
  history: async () => undefined,
  list: async () => [],
  resume: async () => false,
};

export function testConfig(
  apps: Record<string, unknown> = { hello: { lifecycle: [{ selection: 'untagged', maximumAgeLimit: 7 }] } },
): SlipwayConfig {
  return parseConfig({ apps });
}

export function fakeDependencies(
  overrides: Partial<Dependencies> = {},
): Dependencies & { objects: FakeObjects; builds: FakeBuilds; registry: FakeRegistry; containers: FakeContainers } {
  // A build leaves its image in the registry the run uses, given or not.
  const registry = overrides.registry instanceof FakeRegistry ? overrides.registry : new FakeRegistry();
  return {
    config: testConfig(),
    objects: new FakeObjects(),
    builds: new FakeBuilds(undefined, registry),
    buildLogs: new FakeBuildLogs(),
    registry,
    containers: new FakeContainers(),
    workflow: unusedWorkflow,
    events: new RecordingBus(),
    secrets: new FakeSecrets(),
    source: new FakeSource(),
    clock: { now: () => new Date('2026-11-30T10:00:00Z') },
    logger: silentLogger,
    metrics: noMetrics,
    settings: { contextBucket: 'ctx', uploadUrlSeconds: 900, rolloutTimeoutSeconds: 300 },
    ...overrides,
  } as never;
}
