import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, transform } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { buildLayer, layerImports } from '../../serverless/aws-sdk-layer.ts';
import { layerModulesLoaded, staticImports } from '../../serverless/bundle-sizes.ts';
import { inlineConstantKeys } from '../../serverless/esbuild.ts';
import { ROOT } from './support/package.ts';

// The shape of an SDK client's schemas_0.js: operation schemas keyed by file-level string constants.
const SCHEMAS = [
  'const _h = "http";',
  'const _GO = "GetObject";',
  'var GetObject$ = [9, "n0", _GO, { [_h]: ["GET", "/{Key+}?x-id=GetObject", 200] }];',
  'var SelectObjectContent$ = [9, "n0", "SelectObjectContent", { [_h]: ["POST", "/{Key+}?select", 200] }];',
  'console.log(GetObject$);',
].join('\n');

const treeShaken = async (code: string) => (await transform(code, { treeShaking: true, format: 'esm' })).code;

describe('inlineConstantKeys', () => {
  it('writes the constant in place of a computed key naming it', () => {
    expect(inlineConstantKeys(SCHEMAS)).toContain('{ "http": ["GET", "/{Key+}?x-id=GetObject", 200] }');
  });

  it('keeps a computed key that names no file-level string constant', () => {
    expect(inlineConstantKeys('const _a = 1;\nvar x = { [_a]: 1, [_b]: 2 };')).toBe(
      'const _a = 1;\nvar x = { [_a]: 1, [_b]: 2 };',
    );
  });

  it('lets esbuild drop the schema of an operation nobody uses, which it keeps otherwise', async () => {
    expect(await treeShaken(SCHEMAS)).toContain('SelectObjectContent');
    expect(await treeShaken(inlineConstantKeys(SCHEMAS))).not.toContain('SelectObjectContent');
  });
});

describe('layerImports', () => {
  it('reads the names a minified bundle imports from each layer module', () => {
    const code =
      'var a=1;import{S3Client as o,GetObjectCommand as r}from"/opt/slipway/@aws-sdk/client-s3.mjs";' +
      'function f(){}import{PutObjectCommand}from"/opt/slipway/@aws-sdk/client-s3.mjs";import"node:fs";';
    expect(layerImports(code)).toEqual(
      new Map([['@aws-sdk/client-s3', new Set(['S3Client', 'GetObjectCommand', 'PutObjectCommand'])]]),
    );
  });

  it('asks for every export on a namespace import and for the default on a default import', () => {
    const code =
      'import*as s from"/opt/slipway/@aws-sdk/client-sfn.mjs";import e,{b as c}from"/opt/slipway/@aws-sdk/client-ecs.mjs";';
    expect(layerImports(code)).toEqual(
      new Map([
        ['@aws-sdk/client-sfn', new Set(['*'])],
        ['@aws-sdk/client-ecs', new Set(['b', 'default'])],
      ]),
    );
  });
});

describe('staticImports', () => {
  it('finds import statements wherever esbuild put them, but not import() calls', () => {
    const code = `import{a as b}from"../chunks/A.mjs";import"../chunks/B.mjs";var x=class{}}import{c}from"/opt/slipway/x.mjs";import("./lazy.mjs");`;
    expect(staticImports(code)).toEqual(['../chunks/A.mjs', '../chunks/B.mjs', '/opt/slipway/x.mjs']);
  });
});

describe('layerModulesLoaded', () => {
  it('follows a function into the layer modules it imports and theirs, leaving out what only import() loads', () => {
    const bundle = new Map([
      ['functions/f.mjs', Buffer.from('import{S3Client}from"/opt/slipway/@aws-sdk/client-s3.mjs";')],
    ]);
    const layer = new Map([
      [
        'slipway/@aws-sdk/client-s3.mjs',
        Buffer.from('import{a}from"../chunks/CORE.mjs";import("../chunks/LAZY.mjs");'),
      ],
      ['slipway/@aws-sdk/client-sfn.mjs', Buffer.from('import{a}from"../chunks/CORE.mjs";')],
      ['slipway/chunks/CORE.mjs', Buffer.from('export{}')],
      ['slipway/chunks/LAZY.mjs', Buffer.from('export{}')],
    ]);
    expect(layerModulesLoaded(bundle, layer)).toEqual(['slipway/@aws-sdk/client-s3.mjs', 'slipway/chunks/CORE.mjs']);
  });
});

describe('buildLayer', () => {
  /** A checkout with one function using the Step Functions client, this repository's node_modules, and `lock`. */
  const checkout = async (lock: (packages: Record<string, { version: string }>) => void) => {
    const root = await mkdtemp(join(tmpdir(), 'slipway-layer-'));
    await mkdir(join(root, 'functions'));
    await writeFile(
      join(root, 'functions/f.ts'),
      "import { SFNClient } from '@aws-sdk/client-sfn';\nexport const handler = () => new SFNClient({});\n",
    );
    await cp(join(ROOT, 'serverless/lambda-credentials.ts'), join(root, 'serverless/lambda-credentials.ts'));
    await symlink(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    const packageLock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    lock(packageLock.packages);
    await writeFile(join(root, 'package-lock.json'), JSON.stringify(packageLock));
    return root;
  };

  it('exports what the functions import, and lists the packages it holds at their locked versions', async () => {
    const root = await checkout(() => {});
    await buildLayer(build, root, ['functions/f.ts'], join(root, 'layer'));
    const module = await readFile(join(root, 'layer/slipway/@aws-sdk/client-sfn.mjs'), 'utf8');
    const packages = JSON.parse(await readFile(join(root, 'layer/slipway/packages.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(module).toMatch(/export\{\w+ as SFNClient\}/);
    expect(packages['@aws-sdk/client-sfn']).toBe(
      JSON.parse(await readFile(join(ROOT, 'node_modules/@aws-sdk/client-sfn/package.json'), 'utf8')).version,
    );
  });

  it('refuses a node_modules that is not what package-lock.json pins, naming the package', async () => {
    const root = await checkout((packages) => {
      packages['node_modules/@aws-sdk/client-sfn'] = {
        ...packages['node_modules/@aws-sdk/client-sfn']!,
        version: '3.0.0',
      };
    });
    await expect(buildLayer(build, root, ['functions/f.ts'], join(root, 'layer'))).rejects.toThrow(
      /@aws-sdk\/client-sfn \S+ \(package-lock.json: 3\.0\.0\)\. Run npm ci/,
    );
  });
});
