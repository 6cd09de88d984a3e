// readable-stream's `process` (the npm process polyfill): the program's own process, which the compartment has.
module.exports = globalThis.process;
