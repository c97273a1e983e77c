#!/usr/bin/env node
// The CLI is TypeScript. Commands run from a bundle esbuild makes of src/cli on first use (and again
// whenever a source file is newer): tsx's loader costs a few hundred milliseconds on every command.
// Without esbuild (a production install), or for `local serve` — which loads functions/*.ts by path —
// tsx runs the sources directly. SLIPWAY_NO_BUNDLE=1 forces that too.
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const bin = fileURLToPath(import.meta.url);
process.env.SLIPWAY_BIN ??= bin;
const root = dirname(dirname(bin));
const serving = process.argv[2] === 'local' && process.argv[3] === 'serve';

const bundle = serving || process.env.SLIPWAY_NO_BUNDLE ? undefined : await freshBundle();
if (bundle) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}

/** The bundle's path when it is at least as new as every source file (building it if needed), else undefined. */
async function freshBundle() {
  const outdir = join(root, 'node_modules', '.cache', 'slipway');
  const out = join(outdir, 'main.js');
  try {
    const built = existsSync(out) ? statSync(out).mtimeMs : 0;
    if (built && built >= newest(join(root, 'src')) && built >= statSync(join(root, 'package.json')).mtimeMs) return out;
    const esbuild = await import('esbuild');
    // Built aside and renamed into place, so a command starting meanwhile never loads half a bundle.
    const staging = `${outdir}.${process.pid}`;
    await esbuild.build({
      entryPoints: [join(root, 'src', 'cli', 'main.ts')],
      outdir: staging,
      // Commands load lazily (src/cli/main.ts): one chunk each, so a command loads only what it uses.
      splitting: true,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });
    writeFileSync(join(staging, 'package.json'), '{ "type": "module" }\n');
    rmSync(outdir, { recursive: true, force: true });
    try {
      renameSync(staging, outdir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another command put its fresh bundle there first
    }
    return out;
  } catch {
    return undefined;
  }
}

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}
