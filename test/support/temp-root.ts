import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest's globalSetup: every temp folder the tests make (contexts, state folders of local stacks, packaged
 * templates…) goes under one folder of this run, removed when the run ends — a test that forgets its own
 * clean-up, or fails before it, leaves nothing in the machine's temp folder. Set before the workers start,
 * so they and every process they spawn inherit it. With several projects the first setup makes it and the
 * others reuse it. To keep a run's folders (a local stack's log, say): SLIPWAY_TEST_TMPDIR=<folder> npm test.
 */
export default function setup(): (() => void) | undefined {
  const kept = process.env.SLIPWAY_TEST_TMPDIR;
  if (kept) {
    mkdirSync(kept, { recursive: true });
    process.env.TMPDIR = kept;
    return undefined;
  }
  const root = mkdtempSync(join(tmpdir(), 'slipway-test-'));
  process.env.SLIPWAY_TEST_TMPDIR = root;
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
