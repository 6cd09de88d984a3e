// The twin component of @os/twin: trusted host-side code, the built-in binary `twin` of `os run`. It runs mqtt.js, but
// every byte goes through its Net session (a NetStream of @os/net/stream); it imports neither node:net nor node:tls.
// Never granted to a confined component.

export { twin } from './twin-component.js';
