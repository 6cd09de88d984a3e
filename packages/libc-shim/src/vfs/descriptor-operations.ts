import type { FileStatus } from './file-node.js';
import type { OpenFile } from './fd-table.js';
import type { OpenFlags } from './open-flags.js';
import { openEntry } from './open-entry.js';
import { RamFile, isRamExhausted } from './ram-file.js';
import type { VfsCore } from './vfs-core.js';
import { ErrorSite } from './vfs-error.js';
import type { VfsPath } from './vfs-path.js';
import { entryStatus, locate } from './vfs-tree.js';

// The operations on file descriptors: open, read, write, fstat, close. Errors name the system
// call and, as Node's do, no path once a descriptor stands for the file.

/** Opens `path` with `flags`; returns the new descriptor. */
export function openDescriptor(core: VfsCore, path: VfsPath, flags: OpenFlags): number {
  const site = new ErrorSite('open', path.given);
  const target = openEntry(locate(core.root, path, site), path, flags, site);
  if (target.kind === 'file' && target.node instanceof RamFile) target.node.opened();
  return core.fds.add({ target, readable: flags.read, writable: flags.write, append: flags.append, position: 0 });
}

/** Reads into `target` from `position` (`null`: the descriptor's position, which then advances); returns the count. */
export function readDescriptor(core: VfsCore, fd: number, target: Uint8Array, position: number | null): number {
  const site = new ErrorSite('read');
  const file = core.fds.get(fd);
  if (file === undefined || !file.readable) throw site.error('EBADF');
  if (file.target.kind === 'dir') throw site.error('EISDIR');
  const count = file.target.node.read(target, position ?? file.position);
  if (position === null) file.position += count;
  return count;
}

/**
 * Writes `data` at `position` (`null`: the descriptor's position, which then advances; a
 * descriptor opened for appending always writes at the end); returns the count. `ENOSPC` when RAM
 * does not cover it, the file unchanged.
 */
export function writeDescriptor(core: VfsCore, fd: number, data: Uint8Array, position: number | null): number {
  const site = new ErrorSite('write');
  const file = core.fds.get(fd);
  if (file === undefined || !file.writable || file.target.kind === 'dir') throw site.error('EBADF');
  const node = file.target.node;
  const at = file.append ? (node.status()?.size ?? 0) : (position ?? file.position);
  try {
    node.write(data, at);
  } catch (error) {
    if (isRamExhausted(error)) throw site.error('ENOSPC');
    throw error;
  }
  if (position === null || file.append) file.position = at + data.length;
  return data.length;
}

/** The status of what `fd` has open. */
export function statDescriptor(core: VfsCore, fd: number): FileStatus {
  const site = new ErrorSite('fstat');
  const file = core.fds.get(fd);
  if (file === undefined) throw site.error('EBADF');
  const status = entryStatus(file.target);
  if (status === undefined) throw site.error('ENOENT');
  return status;
}

/** Closes `fd`; a `<ram/>` file unlinked meanwhile gives its RAM back with its last descriptor. */
export function closeDescriptor(core: VfsCore, fd: number): void {
  const file: OpenFile | undefined = core.fds.remove(fd);
  if (file === undefined) throw new ErrorSite('close').error('EBADF');
  if (file.target.kind === 'file' && file.target.node instanceof RamFile) file.target.node.closed();
}
