// osls reads `${file(./serverless/variables.cjs):<part>}` with require(); the parts are computed by
// serverless/stack.ts (TypeScript, loaded through tsx) from slipway.config.json, the ASL and the
// buildspec. No AWS call is made: `npm run package` works offline, without credentials.
'use strict';

const path = require('node:path');
const { require: tsRequire } = require('tsx/cjs/api');

const { stackParts } = tsRequire('./stack.ts', __filename);
const computed = new Map();

module.exports = async ({ resolveVariable }) => {
  const [service, stage, vpcId, subnetIds, vpcCidr, assignPublicIp, githubSecretName] = await Promise.all([
    resolveVariable('self:service'),
    resolveVariable('sls:stage'),
    // Where the created services run: serverless.yml's params (--param="vpcId=vpc-…" and so on).
    // githubSecretName: the webhook's grant must name the secret the function is told to read.
    ...['vpcId', 'subnetIds', 'vpcCidr', 'assignPublicIp', 'githubSecretName'].map((name) =>
      resolveVariable(`param:${name}`).then((value) => String(value ?? '')),
    ),
  ]);
  const network = { vpcId, subnetIds, vpcCidr, assignPublicIp };
  const key = JSON.stringify([service, stage, network, githubSecretName]);
  if (!computed.has(key))
    computed.set(key, stackParts({ root: path.join(__dirname, '..'), service, stage, network, githubSecretName }));
  return computed.get(key);
};
