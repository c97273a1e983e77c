/**
 * The buildspec's version: the sha256 of buildspec.yml, part of every build key, so a changed buildspec
 * builds every app anew instead of reusing images the old one made. A constant rather than read at run
 * time, because the Lambdas do not carry the file; test/unit/buildspec-version.test.ts fails, printing
 * the new value, until it is updated after an edit of buildspec.yml.
 */
export const BUILDSPEC_VERSION = '084b3962cc77633607648daf1159bdce91ffd046b54e085a0eb2d86355edcc2d';
