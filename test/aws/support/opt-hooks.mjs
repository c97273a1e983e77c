// Node module hooks for tests of packaged functions: Lambda extracts a layer to /opt, so a function
// imports `/opt/slipway/…`; here those imports load from the folder a test unzipped the layer to.
let opt = '/opt';

export function initialize(data) {
  opt = data.opt;
}

export function resolve(specifier, context, next) {
  if (specifier.startsWith('/opt/')) return next(`${opt}${specifier.slice('/opt'.length)}`, context);
  if (specifier.startsWith('file:///opt/')) return next(`${opt}${specifier.slice('file:///opt'.length)}`, context);
  return next(specifier, context);
}
