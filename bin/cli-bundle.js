// How bin/slipway.js bundles the CLI with esbuild; test/unit/cli/startup.test.ts builds with the same options.
'use strict';
const { join } = require('node:path');

/**
 * esbuild options for the CLI bundle of the sources under `root`, written to `outdir` as one CommonJS file,
 * `main.cjs`: bin/slipway.js compiles it with V8's code cache (vm.Script cachedData), which Node 20 offers only
 * for scripts, not ES modules; with it, a command starts without compiling what it ran last time.
 * Commands still load lazily (src/cli/main.ts): a command's modules are only evaluated when it runs — each
 * `import()` becomes a `require` of an init function (dynamic import marked unsupported), so nothing is left
 * for a host import callback a cached script lacks. Packages are bundled too: Node resolves and links each file
 * of node_modules one by one (tar alone is dozens of files), which cost more of a deploy's start than its own
 * work. Left outside: the AWS SDK (large, loaded only against AWS), esbuild (a native binary) and tsx (a loader).
 */
function cliBundleOptions(root, outdir) {
  return {
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    outdir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    supported: { 'dynamic-import': false },
    external: ['@aws-sdk/*', '@smithy/*', 'esbuild', 'tsx', 'tsx/*'],
    // The sources are ES modules: import.meta.url is the bundle's own location, as it was in an ESM bundle.
    define: { 'import.meta.url': '__slipwayImportMetaUrl' },
    banner: { js: "var __slipwayImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'silent',
    // A smaller script to read and check against its code cache (406 KB instead of 630: `compiled` 5.3 → 3.6 ms
    // per command). Names are kept (no identifier minifying): errors and their classes read as in the sources.
    minifyWhitespace: true,
    minifySyntax: true,
  };
}

module.exports = { cliBundleOptions };
