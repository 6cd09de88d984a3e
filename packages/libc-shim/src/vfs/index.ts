export { Vfs, type VfsOptions } from './vfs.js';
export { parseVfsConfig } from './parse-vfs-config.js';
export { vfsRomLabels } from './vfs-rom-labels.js';
export type {
  VfsConfig,
  VfsEntryConfig,
  VfsDirConfig,
  VfsRomConfig,
  VfsInlineConfig,
  VfsRamConfig,
  VfsDeviceConfig,
} from './vfs-config.js';
export { VfsConfigError } from './vfs-config-error.js';
export type { VfsBackends, RamStore, RamBlock } from './vfs-backends.js';
export { RamExhausted } from './ram-exhausted.js';
export { VfsError, type VfsErrorCode, type VfsSyscall } from './vfs-error.js';
export { VfsArgumentTypeError, VfsArgumentValueError, VfsArgumentRangeError } from './argument-errors.js';
export type { VfsFs } from './vfs-fs.js';
export type { VfsFsSync } from './vfs-fs-sync.js';
export type { VfsFsCallbacks } from './vfs-fs-callbacks.js';
export type { VfsFsPromises } from './vfs-fs-promises.js';
export type {
  VfsOpenFlag,
  VfsReadFileOptions,
  VfsWriteFileOptions,
  VfsReaddirOptions,
  VfsMkdirOptions,
  VfsStatOptions,
  VfsReadOptions,
  VfsCallback,
  VfsDoneCallback,
  VfsIoCallback,
} from './vfs-fs-options.js';
export type { VfsData, VfsEncoding } from './vfs-data.js';
export { VfsStats } from './vfs-stats.js';
export { VfsDirent, type VfsDirentType } from './vfs-dirent.js';
export { fsConstants, type VfsConstants } from './fs-constants.js';
export { rtcTimestamp, RTC_TIMESTAMP_LENGTH } from './rtc-timestamp.js';
export { MemoryBackends, type MemoryBackendsOptions } from './memory-backends.js';
export { MemoryRamStore } from './memory-ram-store.js';
