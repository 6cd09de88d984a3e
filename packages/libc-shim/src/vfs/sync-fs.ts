import {
  closeDescriptor,
  openDescriptor,
  readDescriptor,
  statDescriptor,
  writeDescriptor,
} from './descriptor-operations.js';
import { makeDirectory, readDirectory, removeDirectory } from './directory-operations.js';
import { checkAccess, pathExists, renamePath, statPath, unlinkPath } from './entry-operations.js';
import { checkFd } from './fd-table.js';
import { fsConstants } from './fs-constants.js';
import { readArguments, writeArguments } from './io-arguments.js';
import { parseOpenFlags } from './open-flags.js';
import { decodeUtf8, encodingOption, optionField, toBytes } from './vfs-data.js';
import type { VfsCore } from './vfs-core.js';
import type { VfsDirent } from './vfs-dirent.js';
import { VfsError, type VfsSyscall } from './vfs-error.js';
import type { VfsFsSync } from './vfs-fs-sync.js';
import { VfsStats } from './vfs-stats.js';
import { readWholeFile, writeWholeFile } from './whole-file-operations.js';

/**
 * The synchronous `fs` functions with the arguments as the caller passed them, before {@link typedSyncFs} gives them
 * Node's types.
 */
export type SyncOperations = ReturnType<typeof createSyncOperations>;

/**
 * The synchronous `fs` functions over `core`: each checks its arguments as Node does (callers may
 * be untyped JavaScript, so they take `unknown`) and runs one operation. They close over `core`,
 * so they work detached.
 */
export function createSyncOperations(core: VfsCore) {
  const writeFile =
    (fallbackFlag: string) =>
    (path: unknown, data: unknown, options?: unknown): void => {
      const resolved = core.path(path);
      encodingOption(options);
      writeWholeFile(core, resolved, toBytes(data), parseOpenFlags(optionField(options, 'flag'), fallbackFlag));
    };
  const stat =
    (syscall: VfsSyscall) =>
    (path: unknown, options?: unknown): VfsStats | undefined => {
      const resolved = core.path(path);
      try {
        return new VfsStats(statPath(core, resolved, syscall));
      } catch (error) {
        if (error instanceof VfsError && error.code === 'ENOENT' && optionField(options, 'throwIfNoEntry') === false)
          return undefined;
        throw error;
      }
    };
  return {
    readFileSync(path: unknown, options?: unknown): string | Uint8Array {
      const resolved = core.path(path);
      const encoding = encodingOption(options);
      const content = readWholeFile(core, resolved, parseOpenFlags(optionField(options, 'flag'), 'r'));
      return encoding === undefined ? content : decodeUtf8(content);
    },
    writeFileSync: writeFile('w'),
    appendFileSync: writeFile('a'),
    readdirSync(path: unknown, options?: unknown): string[] | VfsDirent[] {
      const resolved = core.path(path);
      encodingOption(options);
      return readDirectory(core, resolved, optionField(options, 'withFileTypes') === true);
    },
    statSync: stat('stat'),
    lstatSync: stat('lstat'),
    existsSync: (path: unknown): boolean =>
      typeof path === 'string' && !path.includes('\0') && pathExists(core, core.path(path)),
    accessSync: (path: unknown, mode?: unknown): void =>
      checkAccess(core, core.path(path), typeof mode === 'number' ? mode : fsConstants.F_OK),
    mkdirSync: (path: unknown, options?: unknown): string | undefined =>
      makeDirectory(core, core.path(path), optionField(options, 'recursive') === true),
    unlinkSync: (path: unknown): void => unlinkPath(core, core.path(path)),
    rmdirSync: (path: unknown): void => removeDirectory(core, core.path(path)),
    renameSync: (oldPath: unknown, newPath: unknown): void =>
      renamePath(core, core.path(oldPath, 'oldPath'), core.path(newPath, 'newPath')),
    openSync: (path: unknown, flags?: unknown): number =>
      openDescriptor(core, core.path(path), parseOpenFlags(flags, 'r')),
    readSync(fd: unknown, buffer: unknown, ...rest: unknown[]): number {
      const checked = checkFd(fd);
      const request = readArguments(buffer, rest);
      return readDescriptor(core, checked, request.bytes, request.position);
    },
    writeSync(fd: unknown, data: unknown, ...rest: unknown[]): number {
      const checked = checkFd(fd);
      const request = writeArguments(data, rest);
      return writeDescriptor(core, checked, request.bytes, request.position);
    },
    fstatSync: (fd: unknown): VfsStats => new VfsStats(statDescriptor(core, checkFd(fd))),
    closeSync: (fd: unknown): void => closeDescriptor(core, checkFd(fd)),
  };
}

/** `operations` with Node's types. */
export function typedSyncFs(operations: SyncOperations): VfsFsSync {
  // The casts narrow a union result to what each overload promises for its options; the
  // operation picks the same branch from the same options at run time.
  return {
    ...operations,
    readFileSync: operations.readFileSync as VfsFsSync['readFileSync'],
    readdirSync: operations.readdirSync as VfsFsSync['readdirSync'],
    statSync: operations.statSync as VfsFsSync['statSync'],
    lstatSync: operations.lstatSync as VfsFsSync['lstatSync'],
    mkdirSync: operations.mkdirSync as VfsFsSync['mkdirSync'],
  };
}
