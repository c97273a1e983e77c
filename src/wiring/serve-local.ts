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
// A promise some part of the stack let fail unobserved is a bug to fix, but not a reason to end every run in
// flight with the process: say so in the log (ERROR, with its stack) and keep serving.
process.on('unhandledRejection', (reason) => {
  stack.dependencies.logger.error('unhandled rejection in the local stack (a bug: please report it)', {
    error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason),
  });
});
await writeStackInfo(paths, stack.info);
await new Promise<void>((resolve) => {
  process.once('SIGTERM', resolve);
  process.once('SIGINT', resolve);
});
await stack.stop({ removeContainers: true });
await rm(paths.tmp, { recursive: true, force: true });
await removeStackInfo(paths);
