import type { FileNode } from './file-node.js';
import type { OpenFlags } from './open-flags.js';
import { creationDir, linkNewFile, openEntry } from './open-entry.js';
import { RamFile, isRamExhausted } from './ram-file.js';
import type { VfsCore } from './vfs-core.js';
import { ErrorSite } from './vfs-error.js';
import type { VfsPath } from './vfs-path.js';
import { locate } from './vfs-tree.js';

/** How much of a character device `readFile` reads: Node would read `<zero/>` forever. */
const DEVICE_READ_LIMIT = 64 * 1024;

/**
 * The whole content of the file at `path`, opened with `flags`, as a fresh array (never the
 * storage itself). A character device is read up to its end or {@link DEVICE_READ_LIMIT} bytes,
 * whichever comes first.
 */
export function readWholeFile(core: VfsCore, path: VfsPath, flags: OpenFlags): Uint8Array {
  const openSite = new ErrorSite('open', path.given);
  const target = openEntry(locate(core.root, path, openSite), path, flags, openSite);
  const site = new ErrorSite('read');
  if (target.kind === 'dir') throw site.error('EISDIR');
  if (!flags.read) throw site.error('EBADF');
  const node = target.node;
  const content = new Uint8Array(node.characterDevice ? DEVICE_READ_LIMIT : (node.status()?.size ?? 0));
  let count = 0;
  while (count < content.length) {
    const read = node.read(content.subarray(count), count);
    if (read === 0) break;
    count += read;
  }
  return count === content.length ? content : content.slice(0, count);
}

/**
 * Writes `data` as the content of the file at `path` opened with `flags` (`w`: replace, `a`:
 * append, `r+`: overwrite from the start). All or nothing: when RAM does not cover the new
 * content the call fails with `ENOSPC` and the file keeps its old content, and a file that did not
 * exist is not created.
 */
export function writeWholeFile(core: VfsCore, path: VfsPath, data: Uint8Array, flags: OpenFlags): void {
  const openSite = new ErrorSite('open', path.given);
  const located = locate(core.root, path, openSite);
  const writeSite = new ErrorSite('write');
  if (located.entry === undefined && flags.create) {
    const dir = creationDir(located, path, openSite);
    const file = new RamFile(dir.fs);
    writeOrFail(writeSite, () => file.write(data, 0));
    linkNewFile(dir, located.name, file);
    return;
  }
  const target = openEntry(located, path, flags, openSite, false);
  if (target.kind === 'dir' || !flags.write) throw writeSite.error('EBADF');
  const node = target.node;
  writeOrFail(writeSite, () => {
    if (flags.append) node.write(data, node.status()?.size ?? 0);
    else if (flags.truncate) replace(node, data);
    else node.write(data, 0);
  });
}

function replace(node: FileNode, data: Uint8Array): void {
  if (node instanceof RamFile) {
    node.replace(data);
    return;
  }
  node.truncate(0);
  node.write(data, 0);
}

function writeOrFail(site: ErrorSite, write: () => void): void {
  try {
    write();
  } catch (error) {
    if (isRamExhausted(error)) throw site.error('ENOSPC');
    throw error;
  }
}
