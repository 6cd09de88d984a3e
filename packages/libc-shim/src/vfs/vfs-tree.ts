import type { FileNode, FileStatus } from './file-node.js';
import { fsConstants } from './fs-constants.js';
import type { RamFile } from './ram-file.js';
import { RamDir } from './ram-fs.js';
import { StaticDir } from './static-dir.js';
import type { ErrorSite } from './vfs-error.js';
import type { VfsPath } from './vfs-path.js';

/**
 * A directory as the VFS shows it: the config's directory at that path, the `<ram/>` directory
 * there, or both stacked as Genode stacks file systems. The config's entries win a name; new
 * entries go into the `<ram/>` part, so without one the directory is read-only.
 *
 * @remarks
 * At most one `<ram/>` directory is ever part of a view: a `<ram/>` can create no entry under a
 * name the config's directory holds, and the config allows one `<ram/>` per directory.
 */
export type DirView =
  | { readonly fixed: StaticDir; readonly ram: RamDir | undefined }
  | { readonly fixed: undefined; readonly ram: RamDir };

/** What a name in a directory refers to. */
export type VfsEntry =
  | { readonly kind: 'dir'; readonly view: DirView }
  | { readonly kind: 'file'; readonly node: FileNode };

/** Where a path leads: the directory holding its last component, and what that names, if anything. */
export interface Located {
  /** The directory the last component is looked up in; `undefined` for the root. */
  readonly parent: DirView | undefined;
  /** The last component; empty for the root. */
  readonly name: string;
  /** What it names; `undefined` when nothing (yet). A file may still be absent: see {@link isPresent}. */
  readonly entry: VfsEntry | undefined;
}

/** The view of the config's root directory. */
export function rootView(root: StaticDir): DirView {
  return { fixed: root, ram: root.ram?.root };
}

/** What `name` refers to in `view`, if anything. */
export function childOf(view: DirView, name: string): VfsEntry | undefined {
  const fixed = view.fixed?.entries.get(name);
  if (fixed instanceof StaticDir) return { kind: 'dir', view: { fixed, ram: fixed.ram?.root } };
  if (fixed !== undefined) return { kind: 'file', node: fixed };
  const inRam = view.ram?.entries.get(name);
  return inRam === undefined ? undefined : ramEntry(inRam);
}

/** What an entry of a `<ram/>` directory is to the VFS. */
function ramEntry(node: RamDir | RamFile): VfsEntry {
  return node instanceof RamDir ? { kind: 'dir', view: { fixed: undefined, ram: node } } : { kind: 'file', node };
}

/** Whether `entry` is there now: a `<rom>` whose ROM is not available is not. */
export function isPresent(entry: VfsEntry | undefined): entry is VfsEntry {
  return entry !== undefined && (entry.kind === 'dir' || entry.node.status() !== undefined);
}

/**
 * Walks `path` from `root` to its last component. Throws `ENOENT` for a missing directory on the
 * way (or an empty path), `ENOTDIR` for a file on the way or a file named with a trailing slash.
 */
export function locate(root: DirView, path: VfsPath, site: ErrorSite): Located {
  if (path.given === '') throw site.error('ENOENT');
  const components = path.components;
  if (components.length === 0) return { parent: undefined, name: '', entry: { kind: 'dir', view: root } };
  let view = root;
  for (const name of components.slice(0, -1)) {
    const entry = childOf(view, name);
    if (!isPresent(entry)) throw site.error('ENOENT');
    if (entry.kind === 'file') throw site.error('ENOTDIR');
    view = entry.view;
  }
  const name = components[components.length - 1] as string;
  const entry = childOf(view, name);
  if (path.mustBeDirectory && entry?.kind === 'file' && isPresent(entry)) throw site.error('ENOTDIR');
  return { parent: view, name, entry };
}

/** The entry `path` names; throws `ENOENT` when there is none (and what {@link locate} throws). */
export function existing(root: DirView, path: VfsPath, site: ErrorSite): VfsEntry {
  const { entry } = locate(root, path, site);
  if (!isPresent(entry)) throw site.error('ENOENT');
  return entry;
}

/**
 * The names in `view` with what they refer to: the config's entries in config order, then the `<ram/>`'s in creation
 * order; absent ROMs left out.
 */
export function listView(view: DirView): [string, VfsEntry][] {
  const listed: [string, VfsEntry][] = [];
  for (const name of view.fixed?.entries.keys() ?? []) {
    const entry = childOf(view, name);
    if (isPresent(entry)) listed.push([name, entry]);
  }
  for (const [name, node] of view.ram?.entries ?? []) {
    if (view.fixed?.entries.has(name) !== true) listed.push([name, ramEntry(node)]);
  }
  return listed;
}

/** The status of the directory `view`: the config's directory's identity, the `<ram/>` part's times. */
function dirStatus(view: DirView): FileStatus {
  const writable = view.ram !== undefined;
  const mode = fsConstants.S_IFDIR | (writable ? 0o755 : 0o555);
  if (view.fixed !== undefined) {
    const { ino, dev, timeMs } = view.fixed.stamp;
    const mtimeMs = view.ram?.mtimeMs ?? timeMs;
    return { size: 0, mode, ino, dev, mtimeMs, ctimeMs: mtimeMs, birthtimeMs: timeMs };
  }
  const ram = view.ram;
  return {
    size: 0,
    mode,
    ino: ram.ino,
    dev: ram.fs.dev,
    mtimeMs: ram.mtimeMs,
    ctimeMs: ram.mtimeMs,
    birthtimeMs: ram.birthtimeMs,
  };
}

/** The status of `entry` now; `undefined` for a file that is absent. */
export function entryStatus(entry: VfsEntry): FileStatus | undefined {
  return entry.kind === 'dir' ? dirStatus(entry.view) : entry.node.status();
}
