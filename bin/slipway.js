#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader: no build step between a clone and `npx slipway`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/main.ts');
