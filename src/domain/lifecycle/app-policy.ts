import type { AppConfig } from '../config.ts';
import { lifecyclePolicyFromConfig } from './from-config.ts';
import { withReleaseProtection } from './releases.ts';
import type { EcrLifecyclePolicy } from './types.ts';

/**
 * `appLifecyclePolicy(appConfig(config, 'web'))` → the ECR policy Slipway puts on the app's
 * repository: its lifecycle rules, behind the keepReleases rule when it has one. Undefined when the
 * app has no lifecycle rules: Slipway then puts no policy and keeps every image. Invalid rules throw
 * InvalidConfigError naming `apps.<name>.lifecycle` or `apps.<name>.keepReleases`.
 */
export function appLifecyclePolicy(
  app: Pick<AppConfig, 'name' | 'lifecycle' | 'keepReleases'>,
): EcrLifecyclePolicy | undefined {
  if (app.lifecycle === undefined) return undefined;
  const policy = lifecyclePolicyFromConfig(app.lifecycle, { path: `apps.${app.name}.lifecycle` });
  return withReleaseProtection(policy, app.keepReleases, `apps.${app.name}.keepReleases`);
}
