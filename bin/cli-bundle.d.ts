import type { BuildOptions } from 'esbuild';

/** esbuild options for the CLI bundle of the sources under `root`, written to `outdir` (bin/cli-bundle.js). */
export function cliBundleOptions(root: string, outdir: string): BuildOptions;
