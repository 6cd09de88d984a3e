import { detach } from './directory-operations.js';
import type { FileStatus } from './file-node.js';
import { fsConstants } from './fs-constants.js';
import { RamFile } from './ram-file.js';
import type { RamDir } from './ram-fs.js';
import type { VfsCore } from './vfs-core.js';
import { ErrorSite, type VfsSyscall } from './vfs-error.js';
import type { VfsPath } from './vfs-path.js';
import { type Located, entryStatus, existing, isPresent, locate } from './vfs-tree.js';

/** The status of what `path` names, for `stat` and `lstat` (the same: the VFS has no links). */
export function statPath(core: VfsCore, path: VfsPath, syscall: VfsSyscall): FileStatus {
  const site = new ErrorSite(syscall, path.given);
  const status = entryStatus(existing(core.root, path, site));
  if (status === undefined) throw site.error('ENOENT');
  return status;
}

/** Whether `path` names something that is there now. */
export function pathExists(core: VfsCore, path: VfsPath): boolean {
  try {
    return isPresent(locate(core.root, path, new ErrorSite('access', path.given)).entry);
  } catch {
    return false;
  }
}

/** Checks that `path` exists and allows `mode` (`R_OK`, `W_OK`, `X_OK` bits): `EACCES` or `EROFS` otherwise. */
export function checkAccess(core: VfsCore, path: VfsPath, mode: number): void {
  const site = new ErrorSite('access', path.given);
  const entry = existing(core.root, path, site);
  const access = { read: (mode & fsConstants.R_OK) !== 0, write: (mode & fsConstants.W_OK) !== 0 };
  if (entry.kind === 'dir') {
    if (access.write && entry.view.ram === undefined) throw site.error('EROFS');
    return;
  }
  const refusal = entry.node.refusal(access) ?? ((mode & fsConstants.X_OK) !== 0 ? 'EACCES' : undefined);
  if (refusal !== undefined) throw site.error(refusal);
}

/** Removes the `<ram/>` file `path`; its RAM comes back unless a descriptor still has it open. */
export function unlinkPath(core: VfsCore, path: VfsPath): void {
  const site = new ErrorSite('unlink', path.given);
  const located = locate(core.root, path, site);
  const { entry } = located;
  if (entry === undefined) throw site.error('ENOENT');
  if (entry.kind === 'dir') throw site.error('EISDIR');
  const file = ramFileAt(located);
  if (file === undefined) throw site.error('EROFS');
  const dir = located.parent?.ram as RamDir;
  dir.entries.delete(located.name);
  dir.touch();
  file.unlinked();
}

/**
 * Moves `from` to `to` inside one `<ram/>`, replacing a file or empty directory there as POSIX
 * does. `EXDEV` across file systems, `EROFS` for what the config made.
 */
export function renamePath(core: VfsCore, from: VfsPath, to: VfsPath): void {
  const site = new ErrorSite('rename', from.given, to.given);
  const source = locate(core.root, from, site);
  if (!isPresent(source.entry)) throw site.error('ENOENT');
  const target = locate(core.root, to, site);
  const moving = source.entry.kind === 'file' ? ramFileAt(source) : pureRamDir(source);
  if (moving === undefined) throw site.error('EROFS');
  const into = target.parent?.ram;
  if (into === undefined || into.fs !== moving.fs) throw site.error('EXDEV');
  const replaced = into.entries.get(target.name);
  if (replaced === moving) return;
  if (target.entry !== undefined && replaced === undefined) throw site.error('EROFS');
  if (moving instanceof RamFile) {
    if (replaced !== undefined && !(replaced instanceof RamFile)) throw site.error('EISDIR');
  } else {
    if (moving.contains(into)) throw site.error('EINVAL');
    if (replaced instanceof RamFile) throw site.error('ENOTDIR');
    if (replaced !== undefined && replaced.entries.size > 0) throw site.error('ENOTEMPTY');
  }
  const sourceDir = source.parent?.ram as RamDir;
  sourceDir.entries.delete(source.name);
  sourceDir.touch();
  if (replaced instanceof RamFile) replaced.unlinked();
  else if (replaced !== undefined) detach(replaced);
  into.entries.set(target.name, moving);
  into.touch();
  if (!(moving instanceof RamFile)) {
    moving.parent = into;
    moving.name = target.name;
  }
}

/** The `<ram/>` file `located` names, or `undefined` when it names one of the config's files. */
function ramFileAt(located: Located): RamFile | undefined {
  const inRam = located.parent?.ram?.entries.get(located.name);
  return inRam instanceof RamFile && located.entry?.kind === 'file' && located.entry.node === inRam ? inRam : undefined;
}

/** The `<ram/>` directory `located` names, or `undefined` when the config made it or a `<ram/>` is mounted on it. */
function pureRamDir(located: Located): RamDir | undefined {
  const entry = located.entry;
  return entry?.kind === 'dir' && entry.view.fixed === undefined ? entry.view.ram : undefined;
}
