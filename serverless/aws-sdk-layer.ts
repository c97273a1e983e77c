/**
 * The AWS SDK layer (serverless.yml's `layers.awsSdk`): one build of the SDK clients the functions
 * import, shared by all of them, so each function's own bundle holds only Slipway's code. Built at
 * `serverless package` (this osls plugin, through serverless/aws-sdk-layer.cjs), before osls zips the
 * layer and deploys it with the stack:
 *
 * 1. the functions are bundled as serverless-esbuild bundles them (serverless/esbuild.ts) to learn
 *    which SDK names each imports from the layer;
 * 2. one module per SDK package exports exactly those names (`slipway/@aws-sdk/client-s3.mjs`), built
 *    with code splitting: what several clients share (the SDK's core) is one chunk, loaded once, and
 *    what no operation of Slipway calls (event streams) is a chunk nothing loads;
 * 3. every package bundled, here and in the functions, must be the version package-lock.json pins, so
 *    `npm ci` gives exactly what ships; `slipway/packages.json` lists the layer's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { build as esbuild, Metafile, Plugin } from 'esbuild';
import { compileOptions, inlineSchemaKeys, LAYER_ROOT, sdkFromLayer } from './esbuild.ts';

/** serverless.yml's key of the layer. */
export const LAYER_KEY = 'awsSdk';

interface Serverless {
  serviceDir: string;
  pluginManager: { plugins: object[] };
  service: {
    functions: Record<string, { handler?: string }>;
    layers?: Record<string, { path?: string }>;
  };
}

interface Log {
  verbose(message: string): void;
}

/** esbuild's `build`, handed in: loaded through tsx's require, esbuild would look for its binary at a path it cannot spawn. */
export type Build = typeof esbuild;

/** The osls plugin class (serverless/aws-sdk-layer.cjs), building with `build`. */
export function awsSdkLayerPlugin(build: Build) {
  return class AwsSdkLayerPlugin {
    readonly hooks: Record<string, () => Promise<void>>;

    constructor(serverless: Serverless, _options: unknown, utils?: { log?: Log }) {
      const buildIt = async () => {
        const root = serverless.serviceDir;
        const path = serverless.service.layers?.[LAYER_KEY]?.path;
        if (!path)
          throw new Error(
            `serverless.yml declares no layers.${LAYER_KEY}.path: the functions import the AWS SDK from it.`,
          );
        const handlers = Object.values(serverless.service.functions).flatMap((f) => (f.handler ? [f.handler] : []));
        const entries = handlers.map((handler) => handlerFile(root, handler));
        const layer = await buildLayer(build, root, entries, join(root, path));
        utils?.log?.verbose(
          `AWS SDK layer: ${layer.modules} modules, ${layer.packages} packages at package-lock.json's versions`,
        );
      };
      this.hooks = { 'before:package:createDeploymentArtifacts': buildIt };
      packageWithoutCredentials(serverless, utils?.log);
    }
  };
}

interface LayerCompiler {
  compareWithLastLayer(layerName: string): Promise<void>;
}

/**
 * osls asks CloudFormation whether a layer is unchanged since the last deploy (to reuse its upload)
 * even in `serverless package`, and fails there without credentials (serverless/serverless#8187).
 * Without credentials, the layer is packaged as for a new stack: uploaded with the next deploy. With
 * them, osls compares as it always does.
 */
function packageWithoutCredentials(serverless: Serverless, log?: Log): void {
  const compiler = serverless.pluginManager.plugins.find(
    (p): p is LayerCompiler => typeof (p as Partial<LayerCompiler>).compareWithLastLayer === 'function',
  );
  if (!compiler) return;
  const compare = compiler.compareWithLastLayer.bind(compiler);
  compiler.compareWithLastLayer = async (layerName) => {
    try {
      await compare(layerName);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'AWS_CREDENTIALS_NOT_FOUND') throw error;
      log?.verbose(`No AWS credentials: layer ${layerName} not compared with the deployed stack's`);
    }
  };
}

/** `functions/get-run.handler` → `functions/get-run.ts` (the file serverless-esbuild bundles). */
function handlerFile(root: string, handler: string): string {
  const base = handler.slice(0, handler.lastIndexOf('.'));
  const file = ['.ts', '.mts', '.js', '.mjs'].map((ext) => base + ext).find((f) => existsSync(join(root, f)));
  if (!file) throw new Error(`No source for handler ${handler}: looked for ${base}.ts, .mts, .js and .mjs.`);
  return file;
}

/** Builds the layer's `slipway/` folder under `dir` from the SDK imports of the function sources `entries`. */
export async function buildLayer(
  build: Build,
  root: string,
  entries: string[],
  dir: string,
): Promise<{ modules: number; packages: number }> {
  await rm(dir, { recursive: true, force: true });
  const functions = await build({
    ...compileOptions(root),
    entryPoints: entries,
    outdir: join(dir, 'unused'),
    write: false,
    metafile: true,
    plugins: [sdkFromLayer(), inlineSchemaKeys()],
  });
  const imports = new Map<string, Set<string>>();
  for (const file of functions.outputFiles.filter((f) => !f.path.endsWith('.map'))) {
    for (const [specifier, names] of layerImports(file.text)) {
      imports.set(specifier, new Set([...(imports.get(specifier) ?? []), ...names]));
    }
  }

  const out = join(dir, 'slipway');
  const layer = await build({
    ...compileOptions(root),
    entryPoints: Object.fromEntries([...imports.keys()].map((specifier) => [specifier, `${ENTRY}${specifier}`])),
    outdir: out,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[hash]',
    metafile: true,
    plugins: [layerEntries(root, imports), inlineSchemaKeys()],
  });

  const versions = lockedVersions(root, [functions.metafile, layer.metafile]);
  const packages = [...packagesRead([layer.metafile])].sort().map((key) => [key, versions.get(key)]);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'packages.json'), `${JSON.stringify(Object.fromEntries(packages), null, 2)}\n`);
  return {
    modules: Object.keys(layer.metafile.outputs).filter((o) => o.endsWith('.mjs')).length,
    packages: packages.length,
  };
}

const ENTRY = 'slipway-layer-entry:';

/** Each layer module re-exports what the functions import from its package, and nothing else. */
function layerEntries(root: string, imports: Map<string, Set<string>>): Plugin {
  return {
    name: 'slipway-layer-entries',
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${ENTRY}`) }, (args) => ({
        path: args.path.slice(ENTRY.length),
        namespace: 'slipway-layer-entry',
      }));
      build.onLoad({ filter: /.*/, namespace: 'slipway-layer-entry' }, (args) => {
        const names = [...(imports.get(args.path) ?? [])];
        const named = names.filter((n) => n !== '*');
        const contents = [
          ...(names.includes('*') ? [`export * from '${args.path}';`] : []),
          ...(named.length ? [`export { ${named.join(', ')} } from '${args.path}';`] : []),
        ].join('\n');
        return { contents, resolveDir: root, loader: 'js' };
      });
    },
  };
}

/**
 * The names a bundle imports from the layer, by package: `import{S3Client as a,GetObjectCommand as b}from"/opt/slipway/@aws-sdk/client-s3.mjs"`
 * → `@aws-sdk/client-s3` → S3Client, GetObjectCommand. A namespace import (`* as s3`) needs all of them: `*`.
 */
export function layerImports(code: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const pattern = new RegExp(`import\\s*([\\w$*{}\\s,]*?)\\s*from\\s*"${LAYER_ROOT}/([^"]+)\\.mjs"`, 'g');
  for (const [, clause = '', specifier = ''] of code.matchAll(pattern)) {
    const names = found.get(specifier) ?? new Set<string>();
    found.set(specifier, names);
    const braces = /\{([^}]*)\}/.exec(clause);
    for (const part of braces?.[1]?.split(',') ?? []) {
      const name = part.trim().split(/\s+as\s+/)[0];
      if (name) names.add(name);
    }
    const rest = clause.replace(/\{[^}]*\}/, '').trim();
    if (rest.includes('*')) names.add('*');
    else if (/^[\w$]+/.test(rest)) names.add('default');
  }
  return found;
}

/** Each package a build read, by its name in package-lock.json's `packages` without `node_modules/` (`@aws-sdk/client-s3`). */
function packagesRead(metafiles: Metafile[]): Set<string> {
  const keys = new Set<string>();
  for (const input of metafiles.flatMap((m) => Object.keys(m.inputs))) {
    const at = input.indexOf('node_modules/');
    if (at < 0) continue;
    const key = /^(?:node_modules\/(?:@[^/]+\/)?[^/]+\/?)+/.exec(input.slice(at))?.[0].replace(/\/$/, '');
    if (key) keys.add(key.slice('node_modules/'.length));
  }
  return keys;
}

/** The version of each package the builds read, as installed; throws if one is not what package-lock.json pins. */
function lockedVersions(root: string, metafiles: Metafile[]): Map<string, string> {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const versions = new Map<string, string>();
  const drift: string[] = [];
  for (const name of [...packagesRead(metafiles)].sort()) {
    const path = join(root, 'node_modules', name, 'package.json');
    const installed = (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
    const locked = lock.packages[`node_modules/${name}`]?.version;
    if (installed !== locked) drift.push(`${name} ${installed} (package-lock.json: ${locked ?? 'none'})`);
    versions.set(name, installed);
  }
  if (drift.length)
    throw new Error(
      `node_modules is not what package-lock.json pins: ${drift.join(', ')}. Run npm ci, so the Lambda code ships the locked versions.`,
    );
  return versions;
}
