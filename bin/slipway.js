#!/usr/bin/env node
// The CLI is TypeScript. Commands run from a bundle esbuild makes of src/cli on first use (and again
// whenever a source file changes): tsx's loader costs a few hundred milliseconds on every command.
// Without esbuild (a production install), or for `local serve` — the local stack's process, started by
// `local up` — tsx runs the sources directly. SLIPWAY_NO_BUNDLE=1 forces that too.
// This folder is CommonJS (bin/package.json): an ES module entry starts Node's ESM loader first, ~4 ms of
// every command.
'use strict';
const { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');
const { cliBundleOptions } = require('./cli-bundle.js');

// bin/slipway (`slipway` on PATH) started Node without NODE_EXTRA_CA_CERTS, for a command that opens no TLS
// connection (see there): put it back, so every process this one starts has the environment the user gave.
if (process.env.SLIPWAY_DEFERRED_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.SLIPWAY_DEFERRED_EXTRA_CA_CERTS;
  delete process.env.SLIPWAY_DEFERRED_EXTRA_CA_CERTS;
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const bin = __filename;
process.env.SLIPWAY_BIN ??= bin;
const root = dirname(dirname(bin));
const serving = process.argv[2] === 'local' && process.argv[3] === 'serve';

void (async () => {
  const bundle = serving || process.env.SLIPWAY_NO_BUNDLE ? undefined : await freshBundle();
  if (!bundle || !runBundle(bundle)) {
    const { register } = await import('tsx/esm/api');
    register();
    // `local serve` is the local stack's own process: the local wiring's entry point, not a CLI command.
    await import(serving ? '../src/wiring/serve-local.ts' : '../src/cli/main.ts');
  }
})().catch((error) => {
  // What an ES module's top level did with an error nothing caught: print it, exit 1.
  process.exitCode = 1;
  console.error(error);
});

/**
 * Runs the CommonJS bundle as Node would require it, but compiled with V8's code cache: one per command
 * (`deploy`, `local`, …) beside the bundle, written when this command exits if there was none or V8 refused
 * it (another Node, other flags), so it holds the functions the command compiled while it ran. A cache that
 * cannot be read or written only costs the compile. → false when the bundle is gone (pruned under us).
 */
function runBundle(file) {
  let source;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    if (error?.code === 'ENOENT') return false;
    throw error;
  }
  const command = /^[a-z][a-z-]*$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
  const cacheFile = `${file}.${command}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // none yet
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapper, { filename: file, ...(cachedData && { cachedData }) });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        const staging = `${cacheFile}.${process.pid}`;
        writeFileSync(staging, script.createCachedData());
        renameSync(staging, cacheFile);
      } catch {
        // read-only install, full disk: the next command compiles again
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return true;
}

/**
 * The bundle of the current sources: one folder per version of them (named after the newest file),
 * built once and never changed afterwards, so commands running side by side never see half of one.
 * Undefined when it cannot be built.
 */
async function freshBundle() {
  const cache = join(root, 'node_modules', '.cache', 'slipway');
  try {
    // buildspec/version.ts is part of the CLI too (the build key it computes while packing); bin/ holds how
    // the bundle is made; the packages it holds change with every npm install, which rewrites node_modules/.package-lock.json.
    const version = Math.max(
      newest(join(root, 'src')),
      newest(join(root, 'buildspec')),
      newest(join(root, 'bin')),
      statSync(join(root, 'package.json')).mtimeMs,
      statSync(join(root, 'node_modules', '.package-lock.json'), { throwIfNoEntry: false })?.mtimeMs ?? 0,
    ).toFixed(0);
    const outdir = join(cache, `cli-${version}`);
    const out = join(outdir, 'main.cjs');
    if (existsSync(out)) return out;
    const esbuild = await import('esbuild');
    const staging = `${outdir}.${process.pid}`;
    await esbuild.build(cliBundleOptions(root, staging));
    try {
      renameSync(staging, outdir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another command put the same bundle there first
    }
    pruneOlderThan(cache, outdir, 10 * 60_000);
    return out;
  } catch {
    return undefined;
  }
}

/** Bundles of earlier sources, left for commands that may still be running from them: removed once old. */
function pruneOlderThan(cache, keep, ageMs) {
  for (const name of readdirSync(cache)) {
    const path = join(cache, name);
    if (path !== keep && Date.now() - statSync(path).mtimeMs > ageMs) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * The newest modification under `dir`, folders included (a deleted file changes its folder's time). Paths are
 * joined by hand: path.join's normalising, cold in a starting process, took half the walk (~2 of 4 ms).
 */
function newest(dir) {
  let latest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}
