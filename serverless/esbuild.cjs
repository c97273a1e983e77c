// serverless-esbuild's options (serverless.yml's custom.esbuild.config), from serverless/esbuild.ts
// (TypeScript, loaded through tsx): the same compiler settings the AWS SDK layer is built with.
'use strict';

const { require: tsRequire } = require('tsx/cjs/api');

const { functionBuildOptions } = tsRequire('./esbuild.ts', __filename);

module.exports = (serverless) => functionBuildOptions(serverless.serviceDir);
