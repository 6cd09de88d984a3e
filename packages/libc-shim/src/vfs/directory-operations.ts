import { RamDir } from './ram-fs.js';
import type { VfsCore } from './vfs-core.js';
import { VfsDirent } from './vfs-dirent.js';
import { ErrorSite } from './vfs-error.js';
import type { VfsPath } from './vfs-path.js';
import { type DirView, type VfsEntry, childOf, existing, isPresent, listView, locate } from './vfs-tree.js';

/**
 * Creates the directory `path` (`recursive`: with its missing parents, and no error when it
 * exists). Returns, for `recursive`, the first directory created as the caller's path names it
 * (Node's answer), else `undefined`. `EROFS` where no `<ram/>` is mounted.
 */
export function makeDirectory(core: VfsCore, path: VfsPath, recursive: boolean): string | undefined {
  const site = new ErrorSite('mkdir', path.given);
  if (!recursive) {
    const located = locate(core.root, path, site);
    if (located.parent === undefined || located.entry !== undefined) throw site.error('EEXIST');
    createIn(located.parent, located.name, site);
    return undefined;
  }
  if (path.given === '') throw site.error('ENOENT');
  let view = core.root;
  let created: number | undefined;
  path.components.forEach((name, index) => {
    const last = index === path.components.length - 1;
    const entry = childOf(view, name);
    if (entry?.kind === 'dir') {
      view = entry.view;
    } else if (entry !== undefined) {
      throw site.error(last ? 'EEXIST' : isPresent(entry) ? 'ENOTDIR' : 'ENOENT');
    } else {
      view = { fixed: undefined, ram: createIn(view, name, site) };
      created ??= index;
    }
  });
  return created === undefined ? undefined : leadingComponents(path.given, path.components.length - created - 1);
}

/** Removes the empty `<ram/>` directory `path`. */
export function removeDirectory(core: VfsCore, path: VfsPath): void {
  const site = new ErrorSite('rmdir', path.given);
  const entry = existing(core.root, path, site);
  if (entry.kind === 'file') throw site.error('ENOTDIR');
  const view = entry.view;
  // the config's directories stay, and so does the directory a <ram/> is mounted on
  if (view.fixed !== undefined || view.ram.parent === undefined) throw site.error('EROFS');
  if (view.ram.entries.size > 0) throw site.error('ENOTEMPTY');
  detach(view.ram);
}

/**
 * The names in directory `path` (see {@link listView} for the order), or with `withFileTypes` their {@link VfsDirent}s.
 */
export function readDirectory(core: VfsCore, path: VfsPath, withFileTypes: boolean): string[] | VfsDirent[] {
  const site = new ErrorSite('scandir', path.given);
  const entry = existing(core.root, path, site);
  if (entry.kind === 'file') throw site.error('ENOTDIR');
  const listed = listView(entry.view);
  if (!withFileTypes) return listed.map(([name]) => name);
  return listed.map(([name, child]) => new VfsDirent(name, direntType(child), path.given));
}

/** Takes `dir` out of its parent. */
export function detach(dir: RamDir): void {
  const parent = dir.parent as RamDir;
  parent.entries.delete(dir.name);
  parent.touch();
  dir.parent = undefined;
}

function createIn(parent: DirView, name: string, site: ErrorSite): RamDir {
  const ram = parent.ram;
  if (ram === undefined) throw site.error('EROFS');
  const dir = new RamDir(ram.fs, ram, name);
  ram.entries.set(name, dir);
  ram.touch();
  return dir;
}

function direntType(entry: VfsEntry): 'file' | 'directory' | 'characterDevice' {
  if (entry.kind === 'dir') return 'directory';
  return entry.node.characterDevice ? 'characterDevice' : 'file';
}

/** `given` without its last `drop` components, as Node's recursive mkdir names the first directory it made. */
function leadingComponents(given: string, drop: number): string {
  let text = given;
  for (let i = 0; i < drop; i++) {
    text = text.replace(/\/+$/, '');
    text = text.slice(0, Math.max(text.lastIndexOf('/'), 0));
  }
  return text.replace(/(.)\/+$/, '$1');
}
