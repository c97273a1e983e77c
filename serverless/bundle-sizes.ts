/**
 * What a packaged function loads at a cold start: its own JavaScript, and the AWS SDK layer's modules
 * it imports (with theirs), read from the zips `serverless package` writes.
 */
import { posix } from 'node:path';
import { LAYER_ROOT } from './esbuild.ts';

/** The unzipped JavaScript of a function's zip (source maps excluded): what the 300 KiB limit counts. */
export function bundleBytes(zip: Map<string, Buffer>): number {
  return [...zip].filter(([name]) => name.endsWith('.mjs')).reduce((sum, [, data]) => sum + data.length, 0);
}

/** The layer zip's entries (`slipway/…`) a function zip's modules import statically, directly or through others. */
export function layerModulesLoaded(functionZip: Map<string, Buffer>, layerZip: Map<string, Buffer>): string[] {
  const layerDir = posix.basename(LAYER_ROOT);
  const loaded = new Set<string>();
  const pending = [...functionZip]
    .filter(([name]) => name.endsWith('.mjs'))
    .flatMap(([, data]) => staticImports(data.toString('utf8')))
    .filter((specifier) => specifier.startsWith(`${LAYER_ROOT}/`))
    .map((specifier) => `${layerDir}/${specifier.slice(LAYER_ROOT.length + 1)}`);
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const data = layerZip.get(entry);
    if (loaded.has(entry) || !data) continue;
    loaded.add(entry);
    for (const specifier of staticImports(data.toString('utf8')).filter((s) => s.startsWith('.')))
      pending.push(posix.join(posix.dirname(entry), specifier));
  }
  return [...loaded].sort();
}

/** The specifiers of a module's `import … from "x"` and `import "x"` statements (esbuild's output; not `import()`). */
export function staticImports(code: string): string[] {
  return [...code.matchAll(/(?:^|[;}\n])\s*import\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g)].map(
    ([, specifier]) => specifier!,
  );
}
