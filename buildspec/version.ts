/**
 * The buildspec's version: the sha256 of buildspec.yml, part of every build key, so a changed buildspec
 * builds every app anew instead of reusing images the old one made. A constant rather than read at run
 * time, because the Lambdas do not carry the file; test/unit/buildspec-version.test.ts fails, printing
 * the new value, until it is updated after an edit of buildspec.yml.
 */
export const BUILDSPEC_VERSION = 'bf5ab917dbfe46bc3284be7550b8ab6358762c2e17e7ca6704fa723ce2ed0b59';
