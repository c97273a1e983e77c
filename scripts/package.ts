/**
 * `npm run package [-- --package <dir>]`: `serverless package` (osls + serverless-esbuild, offline,
 * no credentials), then each function's size: the unzipped bundle is what a cold start loads.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipEntries } from '../serverless/zip.ts';

const args = process.argv.slice(2);
const result = spawnSync('npx', ['serverless', 'package', '--stage', 'dev', ...args], {
  stdio: 'inherit',
  env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
});
if (result.status !== 0) process.exit(result.status ?? 1);

const at = args.indexOf('--package');
const dir = (at >= 0 ? args[at + 1] : undefined) ?? '.serverless';
const rows = readdirSync(dir)
  .filter((name) => name.endsWith('.zip') && name !== 'slipway.zip')
  .map((name) => {
    const entries = unzipEntries(readFileSync(join(dir, name)));
    const code = [...entries]
      .filter(([entry]) => entry.endsWith('.mjs'))
      .reduce((sum, [, data]) => sum + data.length, 0);
    return { name: name.replace(/\.zip$/, ''), code };
  })
  .sort((a, b) => b.code - a.code);
console.log('\nfunction bundles (unzipped JavaScript a cold start loads):');
for (const row of rows) console.log(`  ${row.name.padEnd(20)} ${(row.code / 1024).toFixed(0).padStart(5)} KiB`);
