/**
 * `npm run package [-- --package <dir>]`: `serverless package` (osls + serverless-esbuild, offline,
 * no credentials), then each function's size: its own bundle (unzipped, source maps excluded; at most
 * 300 KiB) and, with the AWS SDK layer's modules it imports, the JavaScript a cold start loads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleBytes, layerModulesLoaded } from '../serverless/bundle-sizes.ts';
import { LAYER_KEY } from '../serverless/aws-sdk-layer.ts';
import { unzipEntries } from '../serverless/zip.ts';

const args = process.argv.slice(2);
// serverless-esbuild zips each function in a temp folder of its own and leaves it: give it one that goes.
const scratch = mkdtempSync(join(tmpdir(), 'slipway-package-'));
const result = spawnSync('npx', ['serverless', 'package', '--stage', 'dev', ...args], {
  stdio: 'inherit',
  env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', TMPDIR: scratch },
});
rmSync(scratch, { recursive: true, force: true });
if (result.status !== 0) process.exit(result.status ?? 1);

const at = args.indexOf('--package');
const dir = (at >= 0 ? args[at + 1] : undefined) ?? '.serverless';
const layer = unzipEntries(readFileSync(join(dir, `${LAYER_KEY}.zip`)));
const rows = readdirSync(dir)
  .filter((name) => name.endsWith('.zip') && name !== 'slipway.zip' && name !== `${LAYER_KEY}.zip`)
  .map((name) => {
    const zip = unzipEntries(readFileSync(join(dir, name)));
    const fromLayer = layerModulesLoaded(zip, layer).reduce((sum, entry) => sum + (layer.get(entry)?.length ?? 0), 0);
    return { name: name.replace(/\.zip$/, ''), bundle: bundleBytes(zip), loaded: bundleBytes(zip) + fromLayer };
  })
  .sort((a, b) => b.bundle - a.bundle);
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0).padStart(5)} KiB`;
console.log(
  '\nfunction bundles (unzipped JavaScript, source maps excluded) and, with the layer modules each imports, what a cold start loads:',
);
for (const row of rows) console.log(`  ${row.name.padEnd(20)} ${kib(row.bundle)}   ${kib(row.loaded)}`);
console.log(`  ${`${LAYER_KEY} layer`.padEnd(20)} ${kib(bundleBytes(layer))}   (the AWS SDK, shared)`);
