import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * `slipway --help` must start fast: what src/cli/main.ts imports statically (every command file's top)
 * may load commander and a few node built-ins, nothing more. Heavy parts — the AWS SDK, tar, the live
 * view, valibot — are imported by a command when it runs. Built as bin/slipway.js bundles the CLI.
 */
const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const ALLOWED = ['commander', 'node:crypto', 'node:fs', 'node:fs/promises', 'node:path', 'node:url'];

describe('CLI startup', () => {
  it('loads only commander and cheap built-ins before a command runs', async () => {
    const result = await build({
      entryPoints: [MAIN],
      outdir: 'startup-graph',
      write: false,
      metafile: true,
      splitting: true,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });

    const outputs = result.metafile.outputs;
    const main = Object.keys(outputs).find((path) => path.endsWith('/main.js'));
    const loaded = new Set<string>();
    const externals = new Set<string>();
    const pending = main ? [main] : [];
    while (pending.length > 0) {
      const path = pending.pop() as string;
      if (loaded.has(path)) continue;
      loaded.add(path);
      for (const next of outputs[path]?.imports ?? []) {
        if (next.kind !== 'import-statement') continue;
        if (next.external) externals.add(next.path);
        else pending.push(next.path);
      }
    }

    expect(main).toBeDefined();
    expect([...externals].filter((name) => !ALLOWED.includes(name)).sort()).toEqual([]);
  });
});
