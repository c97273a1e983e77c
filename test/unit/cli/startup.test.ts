import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { cliBundleOptions } from '../../../bin/cli-bundle.js';

/**
 * `slipway --help` must start fast: what src/cli/main.ts imports statically (every command file's top)
 * may load commander and a few node built-ins, nothing more. Heavy parts — the AWS SDK, tar, the live
 * view, valibot — are imported by a command when it runs. Built exactly as bin/slipway.js bundles the CLI.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ALLOWED_BUILT_INS = [
  ...['node:crypto', 'node:fs', 'node:fs/promises', 'node:module', 'node:path', 'node:url'],
  ...['node:child_process', 'node:events', 'node:process'], // commander's own
];
const ALLOWED_PACKAGES = ['commander'];

describe('CLI startup', () => {
  it('loads only commander and cheap built-ins before a command runs', async () => {
    const result = await build({ ...cliBundleOptions(ROOT, 'startup-graph'), write: false, metafile: true });

    // One file holds every command; what a command imports with import() is only evaluated when it runs. So the
    // graph that counts is the inputs' static one: import statements and require calls, from main.ts on.
    const inputs = result.metafile.inputs;
    const main = Object.keys(inputs).find((path) => path.endsWith('src/cli/main.ts'));
    const loaded = new Set<string>();
    const externals = new Set<string>();
    const packages = new Set<string>();
    const pending = main ? [main] : [];
    while (pending.length > 0) {
      const path = pending.pop() as string;
      if (loaded.has(path)) continue;
      loaded.add(path);
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      if (name) packages.add(name);
      for (const next of inputs[path]?.imports ?? []) {
        if (next.kind !== 'import-statement' && next.kind !== 'require-call') continue;
        if (next.external) externals.add(next.path.startsWith('node:') ? next.path : `node:${next.path}`);
        else pending.push(next.path);
      }
    }

    expect(main).toBeDefined();
    expect(loaded.size).toBeGreaterThan(10); // the command files, at least: the walk followed the graph
    expect([...packages].filter((name) => !ALLOWED_PACKAGES.includes(name)).sort()).toEqual([]);
    expect([...externals].filter((name) => !ALLOWED_BUILT_INS.includes(name)).sort()).toEqual([]);
  });
});
