import type { Dependencies } from './pipeline/dependencies.ts';

/**
 * The one place that decides which adapters the handlers use. In Lambda the AWS set is built
 * once per cold start from the environment; the local stack installs its own set (local adapters)
 * before it invokes any handler. Nothing else in the code asks "am I local?".
 */
let installed: Dependencies | undefined;
let building: Promise<Dependencies> | undefined;

export function installDependencies(dependencies: Dependencies): void {
  installed = dependencies;
  building = undefined;
}

export async function dependencies(): Promise<Dependencies> {
  if (installed) return installed;
  // Imported lazily so the local stack never loads the AWS wiring (and the reverse).
  building ??= import('./aws-dependencies.ts').then(({ createAwsDependencies }) => createAwsDependencies(process.env));
  installed = await building;
  return installed;
}
