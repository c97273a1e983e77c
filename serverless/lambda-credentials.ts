import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for @aws-sdk/credential-provider-node in the Lambda code (the `alias` of
 * serverless/esbuild.ts, so in the AWS SDK layer). Lambda hands a function its role's credentials in
 * the environment, so the default chain's other providers (SSO, ini files, IMDS, web identity and the
 * STS/SSO clients they carry, about 90 KB minified) are never reached there. The CLI and the local
 * stack keep the full chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
export const credentialsTreatedAsExpired = () => false;
export const credentialsWillNeedRefresh = () => false;
