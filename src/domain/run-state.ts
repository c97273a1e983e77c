import type { StepName } from './steps.ts';

/**
 * The JSON document that flows through the state machine. Each step reads it and returns it
 * with its own part filled in, so the execution history alone tells the whole story of a run.
 */
export const TRIGGER_KINDS = ['upload', 'webhook', 'event', 'schedule', 'rollback'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

export interface Trigger {
  kind: TriggerKind;
  /** Who or what started it: the uploader, the GitHub pusher, the event source. */
  source?: string;
  commit?: string;
  ref?: string;
}

export interface RunImage {
  repository: string;
  digest: string;
  tags: string[];
  /** `repository@digest`: what the task definition pins. */
  reference: string;
}

export interface RunInput {
  runId: string;
  app: string;
  trigger: Trigger;
  context: { key: string; bucket?: string };
  /** Set on a rollback: the image of the earlier run to deploy again; the build is skipped. */
  image?: RunImage;
  /**
   * Build even when the repository already holds an image for the context's build key: set by
   * `slipway deploy --rebuild` and on every rebuild, whose point is fresh base images.
   */
  rebuild?: boolean;
}

export interface RunState extends RunInput {
  repository?: { name: string; uri: string };
  /** The context's build key (64 hex), computed by Prepare from the uploaded bytes; the image is tagged `key-<it>`. */
  buildKey?: string;
  /** Set by Prepare when the repository already holds an image for the build key: no build, no lifecycle; that image deploys. */
  reused?: { tag: string; digest: string };
  /** The steps this run skips, each with why: build and lifecycle for a reused image (Prepare), deploy and rollout when it already serves (Deploy). */
  skipped?: Partial<Record<StepName, string>>;
  build?: {
    id: string;
    status: string;
    phase: string;
    /** ISO time StartBuild started it. */ startedAt?: string;
    logTail?: string[];
    logs?: { group?: string; stream?: string; path?: string; url?: string };
  };
  lifecycle?: { policyChanged: boolean; expired: { digest: string; tags: string[]; rulePriority: number }[] };
  /** Set when a completed rollout tagged its image as the newest release (keepReleases). */
  release?: { tag: string; digest: string; keep: number };
  deployment?: {
    id: string;
    taskDefinition: string;
    revision: number;
    state: string;
    reason?: string;
    runningCount?: number;
    desiredCount?: number;
    url?: string;
    /** ISO time after which a rollout still in progress is a failure. */
    deadline: string;
    /** ISO time Deploy moved the service. */
    startedAt?: string;
    /** The task definition that served before Deploy: where a rollout past its deadline moves the service back to. */
    previousTaskDefinition?: string;
  };
  /**
   * Set by Deploy when the service already ran the image with the same settings: nothing was registered or
   * moved, and the run ends SUCCEEDED at once (the Unchanged state).
   */
  unchanged?: { digest: string; taskDefinition: string; revision: number; url?: string; message: string };
  /** Set when a newer run of the app claimed its service first: this run does not (or no longer) deploy, and ends SUPERSEDED. */
  superseded?: { by: string; at: string; step: 'deploy' | 'rollout' };
  /** Set while Deploy waits for an older run's UpdateService call to return (the state machine waits, then Deploy runs again). */
  deployTurn?: { holder: string; until: string };
  /** Set by the state machine's Catch: the error of the step that failed, as Step Functions reports it. */
  error?: { Error: string; Cause: string };
  failure?: RunFailure;
}

export interface RunFailure {
  step: string;
  name: string;
  message: string;
  /** What still serves the app after the failure; the previous version is never taken down. */
  serving?: { image: string; revision: number; url?: string };
}
