// The osls plugin that builds the AWS SDK layer (serverless.yml's layers.awsSdk) before osls zips it:
// serverless/aws-sdk-layer.ts, TypeScript loaded through tsx. esbuild is required here, not through tsx,
// which would hand esbuild a path to its binary it cannot spawn.
'use strict';

const { build } = require('esbuild');
const { require: tsRequire } = require('tsx/cjs/api');

module.exports = tsRequire('./aws-sdk-layer.ts', __filename).awsSdkLayerPlugin(build);
