/**
 * How the Lambda code is compiled, in one place for the two builds that ship it: serverless-esbuild's
 * function bundles (serverless/esbuild.cjs, named by serverless.yml's custom.esbuild.config) and the
 * AWS SDK layer (serverless/aws-sdk-layer.ts). docs/architecture.md, "How a Lambda bundles only what
 * it uses", says why each option is there.
 */
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

/** Where Lambda extracts the layer's `slipway/` folder: a function imports `/opt/slipway/@aws-sdk/client-s3.mjs`. */
export const LAYER_ROOT = '/opt/slipway';

/** The packages the layer holds. A function's imports of them become imports of the layer's modules. */
export const LAYER_PACKAGES = /^@aws-sdk\//;

/** `/opt/slipway/@aws-sdk/client-s3.mjs` for `@aws-sdk/client-s3`. */
export function layerModule(specifier: string): string {
  return `${LAYER_ROOT}/${specifier}.mjs`;
}

/** The compiler settings both builds share; `root` is the repository (serverless.yml's folder). */
export function compileOptions(root: string): BuildOptions {
  return {
    absWorkingDir: root,
    bundle: true,
    // Minified with source maps (Lambda reads them with NODE_OPTIONS=--enable-source-maps, which also
    // gives stack traces the original function names, so keepNames would only add bytes).
    minify: true,
    sourcemap: true,
    platform: 'node',
    // Lambda runs nodejs22.x; this machine and the tests run Node 20: code both can run.
    target: 'node20',
    format: 'esm',
    mainFields: ['module', 'main'],
    // Bundled CommonJS dependencies call require() for Node built-ins; ESM has none of its own.
    banner: {
      js: "import { createRequire as slipwayCreateRequire } from 'node:module'; const require = slipwayCreateRequire(import.meta.url);",
    },
    // Lambda hands a function its role's credentials in the environment: the default provider chain's
    // SSO, ini-file, IMDS and web-identity providers (and the STS/SSO clients they carry) are never
    // reached there, so the SDK gets an environment-only provider instead (about 90 KiB less).
    alias: { '@aws-sdk/credential-provider-node': join(root, 'serverless/lambda-credentials.ts') },
  };
}

/** serverless-esbuild's options: the shared ones, each function's imports of the SDK pointed at the layer. */
export function functionBuildOptions(root: string): Record<string, unknown> {
  return {
    ...compileOptions(root),
    // serverless-esbuild's own: .mjs files (ESM without a package.json), and no node_modules in the zips.
    outputFileExtension: '.mjs',
    exclude: [],
    plugins: [sdkFromLayer(), inlineSchemaKeys()],
  };
}

/**
 * A function's `import { S3Client } from '@aws-sdk/client-s3'` becomes an import of the layer's module.
 * Side-effect free, as the SDK's packages declare themselves: an adapter the function never reaches
 * leaves no import behind, so the function loads only the clients it uses.
 */
export function sdkFromLayer(): Plugin {
  return {
    name: 'slipway-sdk-from-layer',
    setup(build) {
      build.onResolve({ filter: LAYER_PACKAGES }, (args) =>
        args.importer.includes(`${sep}node_modules${sep}`)
          ? undefined
          : { path: layerModule(args.path), external: true, sideEffects: false },
      );
    },
  };
}

const SCHEMAS = /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/**
 * Lets esbuild drop the schemas of the operations nobody calls. A client's `schemas_0.js` declares
 * every operation's shapes as `export var GetObject$ = [9, n0, _GO, { [_h]: ["GET", …] }, …]`: the
 * computed keys (`[_h]`, a `const _h = "http"` of the same file) are property reads esbuild cannot
 * prove pure, so it kept all of them (S3's: 65 KiB). Writing the constant in their place (`"http":`)
 * is the same object, and an unused declaration becomes removable.
 */
export function inlineSchemaKeys(): Plugin {
  return {
    name: 'slipway-inline-schema-keys',
    setup(build) {
      build.onLoad({ filter: SCHEMAS }, async (args) => ({
        contents: inlineConstantKeys(await readFile(args.path, 'utf8')),
        loader: 'js',
      }));
    },
  };
}

/** `const _h = "http"; … { [_h]: 1 }` → `… { "http": 1 }`; keys naming anything but such a constant stay. */
export function inlineConstantKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm))
    constants.set(name!, literal!);
  return source.replace(/\[(_\w+)\]:/g, (key, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? key : `${literal}:`;
  });
}
