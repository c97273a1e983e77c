// How bin/slipway.js bundles the CLI with esbuild; test/unit/cli/startup.test.ts builds with the same options.
import { join } from 'node:path';

/**
 * esbuild options for the CLI bundle of the sources under `root`, written to `outdir`.
 * Commands load lazily (src/cli/main.ts): with splitting, one chunk each, so a command loads only what it uses.
 * Packages are bundled too: Node resolves and links each ESM file of node_modules one by one (tar alone is
 * dozens of files), which cost more of a deploy's start than its own work. Left outside: the AWS SDK (large,
 * loaded only against AWS), esbuild (a native binary) and tsx (a loader).
 */
export function cliBundleOptions(root, outdir) {
  return {
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    outdir,
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@aws-sdk/*', '@smithy/*', 'esbuild', 'tsx', 'tsx/*'],
    // Bundled CommonJS (commander) requires Node's built-ins: an ESM bundle needs a `require` to do that with.
    banner: {
      js: "import { createRequire as __slipwayCreateRequire } from 'node:module'; const require = __slipwayCreateRequire(import.meta.url);",
    },
    logLevel: 'silent',
  };
}
