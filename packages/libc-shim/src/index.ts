export { runLibcProgram, LIBC_BUILTINS, LIBC_BUILTINS_HINT, type LibcGrant, type LibcProgram } from './program.js';
export { readLibcConfig, LibcConfigError, type LibcConfig } from './libc-config.js';
export { componentConsole, type ComponentConsole, type ConsoleStream } from './console.js';
export { ProgramExit } from './program-exit.js';
export { parseRtcText } from './rtc-text.js';
export * from './vfs/index.js';
export { OrderedLog } from './ordered-log.js';
export { TimerUnavailableError } from './timer-unavailable-error.js';
