/**
 * The version of the message layout that `@os/rpc` encodes and decodes: request header, reply
 * status, exception index, and every codec's bytes. It is bumped on any incompatible change.
 *
 * @remarks
 * A component package declares the version it was built for (`"osWire"` in the package.json of
 * `@os/rpc` carries this one), and a loader refuses a component whose version differs, naming both,
 * instead of letting the two sides misread each other's messages.
 */
export const WIRE_VERSION = 1;
