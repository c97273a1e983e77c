import { mkdir, rm } from 'node:fs/promises';
import { findProjectRoot, stackPaths } from '../local-stack/paths.ts';
import { removeStackInfo, writeStackInfo } from '../local-stack/stack-file.ts';
import { startLocalStack } from './local.ts';

/**
 * The local stack's process (what `slipway local up` starts in the background as
 * `bin/slipway.js local serve`): the local wiring's entry point, as functions/ are the AWS wiring's.
 * Runs until SIGTERM or SIGINT, then stops everything it started.
 */
const root = findProjectRoot();
const paths = stackPaths(root);
// Every temp folder the stack makes (spooled uploads, fetched sources, build folders) goes under the
// state folder: removed at stop, and a stack killed with SIGKILL leaves them where the next one finds them.
process.env.TMPDIR = paths.tmp;
await mkdir(paths.tmp, { recursive: true });
const stack = await startLocalStack({ root, paths });
await writeStackInfo(paths, stack.info);
await new Promise<void>((resolve) => {
  process.once('SIGTERM', resolve);
  process.once('SIGINT', resolve);
});
await stack.stop({ removeContainers: true });
await rm(paths.tmp, { recursive: true, force: true });
await removeStackInfo(paths);
