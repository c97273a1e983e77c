import { appConfig } from '../domain/config.ts';
import { LifecyclePreviewPendingError, NoLifecycleRulesError } from '../domain/errors.ts';
import { appLifecyclePolicy, type EcrLifecyclePolicy, type LifecyclePreview } from '../domain/lifecycle/index.ts';
import type { Dependencies } from './dependencies.ts';

/** A finished preview, or word that the registry is still working on it (ECR previews run asynchronously). */
export type LifecyclePreviewAnswer =
  | ({ app: string; repository: string; status: 'COMPLETE'; policy: EcrLifecyclePolicy } & LifecyclePreview)
  | { app: string; repository: string; status: 'IN_PROGRESS'; message: string };

/**
 * `previewLifecycle('web', deps)` → what the app's policy (with its keepReleases rule) would expire,
 * archive and keep in its repository now, deleting nothing. An app without lifecycle rules is
 * NoLifecycleRulesError (400): Slipway puts no policy on its repository, so there is nothing to preview.
 */
export async function previewLifecycle(
  appName: string,
  deps: Pick<Dependencies, 'config' | 'registry'>,
): Promise<LifecyclePreviewAnswer> {
  const app = appConfig(deps.config, appName);
  const policy = appLifecyclePolicy(app);
  if (policy === undefined) throw new NoLifecycleRulesError(app.name);
  const base = { app: app.name, repository: app.repository };
  try {
    const preview = await deps.registry.previewLifecyclePolicy(app.repository, policy);
    return { ...base, status: 'COMPLETE', policy, ...preview };
  } catch (error) {
    if (error instanceof LifecyclePreviewPendingError)
      return { ...base, status: 'IN_PROGRESS', message: error.message };
    throw error;
  }
}
