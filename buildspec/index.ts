import { fileURLToPath } from 'node:url';

/** Where buildspec.yml is: the local build runner reads it, and packaging inlines it into the CodeBuild project. */
export const BUILDSPEC_PATH = fileURLToPath(new URL('./buildspec.yml', import.meta.url));
