// The npm polyfills of Node's events, buffer, stream and string_decoder that the shim evaluates once per program, in
// a compartment of the program's own: each program gets its own classes, which no other program (and no host code)
// shares. Bundled by scripts/bundle-node-polyfills.mjs into src/generated/node-polyfills-source.ts.
module.exports = {
  events: require('events/'),
  buffer: require('buffer/'),
  stream: require('readable-stream'),
  string_decoder: require('string_decoder/'),
};
