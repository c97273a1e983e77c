/**
 * The buildspec's version: the sha256 of buildspec.yml, part of every build key, so a changed buildspec
 * builds every app anew instead of reusing images the old one made. A constant rather than read at run
 * time, because the Lambdas do not carry the file; test/unit/buildspec-version.test.ts fails, printing
 * the new value, until it is updated after an edit of buildspec.yml.
 */
export const BUILDSPEC_VERSION = 'b9d585c35c3c418074e23ccb4df4a9e27550e8211fc713c23b7a86a1cbd9f638';
