import type { OpenFlags } from './open-flags.js';
import { RamFile } from './ram-file.js';
import type { RamDir } from './ram-fs.js';
import type { ErrorSite } from './vfs-error.js';
import type { VfsPath } from './vfs-path.js';
import { type Located, type VfsEntry, isPresent } from './vfs-tree.js';

/**
 * What opening the path at `located` with `flags` yields: the file or directory there, or a new
 * empty `<ram/>` file when `flags` create one. Refuses as Node does: `ENOENT`, `EEXIST` (`x`),
 * `EISDIR` (a directory for writing), the file's own refusal (`EROFS` for a ROM, `EACCES` for
 * reading the log), `EROFS` for creating outside a `<ram/>`. Truncates when `truncate` says so
 * (`writeFile` passes false and replaces the content itself, so a failure loses nothing).
 */
export function openEntry(
  located: Located,
  path: VfsPath,
  flags: OpenFlags,
  site: ErrorSite,
  truncate = flags.truncate,
): VfsEntry {
  const { entry } = located;
  if (entry === undefined) {
    if (!flags.create) throw site.error('ENOENT');
    const dir = creationDir(located, path, site);
    const file = new RamFile(dir.fs);
    linkNewFile(dir, located.name, file);
    return { kind: 'file', node: file };
  }
  if (!isPresent(entry)) {
    // a <rom> whose ROM is not available: there is nothing to read, and the name stays the config's
    throw site.error(flags.write ? 'EROFS' : 'ENOENT');
  }
  if (flags.create && flags.exclusive) throw site.error('EEXIST');
  if (entry.kind === 'dir') {
    if (flags.write) throw site.error('EISDIR');
    return entry;
  }
  const refusal = entry.node.refusal(flags);
  if (refusal !== undefined) throw site.error(refusal);
  if (truncate && flags.write) entry.node.truncate(0);
  return entry;
}

/** The `<ram/>` directory a new entry at `located` goes into; `EROFS` where no `<ram/>` is mounted. */
export function creationDir(located: Located, path: VfsPath, site: ErrorSite): RamDir {
  if (path.mustBeDirectory) throw site.error('EISDIR');
  const dir = located.parent?.ram;
  if (dir === undefined) throw site.error('EROFS');
  return dir;
}

/** Enters the new `file` into `dir` as `name`. */
export function linkNewFile(dir: RamDir, name: string, file: RamFile): void {
  file.linked();
  dir.entries.set(name, file);
  dir.touch();
}
