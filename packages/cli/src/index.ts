export { watchConfig, WATCH_INTERVAL_MS } from './watch.js';
export { run, KERNELS, EXIT_TIMEOUT, EXIT_STALLED, EXIT_BOOT_ERROR, type RunOptions, type RunOutput } from './run.js';
export { loadSystem, systemModulePath, systemDirectory, TargetError, SYSTEM_MODULE_FILES } from './target.js';
export { traceToFile } from './trace-file.js';
export { withBootModules, directoryRoms } from './boot-modules.js';
export {
  xmlSystem,
  initConfigSystem,
  initConfigLoader,
  type InitConfigSystemOptions,
  BUILTIN_BINARIES,
  builtinBinaries,
  unconfinedBinaries,
} from './xml-system.js';
export { DEFAULT_MACHINE, type MachineQuota, prepareInitConfig } from './prepare-config.js';
export { checkAgainstManifest } from './manifest-check.js';
