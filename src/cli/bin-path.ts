import { fileURLToPath } from 'node:url';

/**
 * `binPath()` → bin/slipway.js. It says where it is in SLIPWAY_BIN: from the CLI bundle,
 * import.meta.url is the bundle's location, not the source's.
 */
export function binPath(): string {
  return process.env.SLIPWAY_BIN ?? fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
}
