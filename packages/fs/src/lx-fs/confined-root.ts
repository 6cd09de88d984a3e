import { type Stats, closeSync, constants, lstatSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { LookupFailed, PermissionDenied } from '../file-system-errors.js';
import { joinElements } from '../session-path.js';
import { errnoOf, hostError } from './host-errors.js';
import { KIND_NAMES, kindOf } from './node-kind.js';
import type { StorageQuota } from './storage-quota.js';

/** Opens a directory and nothing else: a symbolic link as the last element fails (`ENOTDIR`), a FIFO never blocks. */
const DIRECTORY_OPEN =
  constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Where Linux names each open descriptor of the process: a directory's entry there leads into that very directory. */
const PROC_FD = '/proc/self/fd';

/** Whether the host has Linux's `/proc/self/fd`, through which lx_fs looks up names in a directory it holds open. */
export function hostHasProcFd(): boolean {
  try {
    return lstatSync(PROC_FD, { throwIfNoEntry: false })?.isDirectory() === true && process.platform === 'linux';
  } catch {
    return false;
  }
}

/** A directory of the session: its session path, and its open descriptor when the root is anchored. */
export interface SessionDirectory {
  /** The session path's elements (for messages, and for lookups where the root is not anchored). */
  readonly path: readonly string[];
  /** The directory's descriptor, held while the handle is open; undefined where the root is not anchored. */
  readonly fd: number | undefined;
}

/** The real path of `host` (libc's realpath, in one call), or undefined when it cannot be resolved. */
function realpathNative(host: string): string | undefined {
  try {
    return realpathSync.native(host);
  } catch {
    return undefined;
  }
}

/**
 * One session's root on the host: a real directory (its `realpath`) below which every session path resolves. No path
 * leaves it. Session paths hold no `..` (checked by `pathElements`). Where the host has `/proc/self/fd` (Linux) the
 * root is anchored, as Genode's lx_fs holds each directory open: a directory is opened along its lexical path with
 * `O_NOFOLLOW`, and its descriptor's real path (`/proc/self/fd`) must be that lexical path, so no element on the way
 * was a symbolic link; names are then looked up in that very directory (through its descriptor's entry in
 * `/proc/self/fd`, as `openat` would), the last one never followed (`O_NOFOLLOW`, `lstat`), after checking that the
 * directory still lies in the root (another session may have moved it out). Elsewhere each directory on the way is
 * `lstat`ed at every use and the last element's parent is checked against the root with `realpath`.
 */
export class ConfinedRoot {
  /** The root's real host path. */
  readonly hostPath: string;
  /** Whether the session may write. */
  readonly writeable: boolean;
  /** What the session may store below the root; none: as much as the host takes. */
  readonly quota: StorageQuota | undefined;
  /** Whether directories are held open and names looked up in them through `/proc/self/fd`. */
  readonly anchored: boolean;

  /** A root at real host path `hostPath`; `anchored` where the host has `/proc/self/fd` ({@link hostHasProcFd}). */
  constructor(hostPath: string, writeable: boolean, quota?: StorageQuota, anchored = false) {
    this.hostPath = hostPath;
    this.writeable = writeable;
    this.quota = quota;
    this.anchored = anchored;
  }

  /**
   * Opens the directory at session path `elements` for a handle: its descriptor (anchored), or undefined after
   * checking that it is a directory reached through no symbolic link (not anchored). Refuses a symbolic link
   * anywhere on the way or as the directory itself, naming it.
   */
  openDirectory(elements: readonly string[], what: string): number | undefined {
    if (!this.anchored) {
      const kind = kindOf(this.lstat(elements, what));
      if (kind === 'symlink') throw new PermissionDenied(`${what}: is a symbolic link, which lx_fs never follows`);
      if (kind !== 'directory') throw new LookupFailed(`${what}: is ${KIND_NAMES[kind]}, not a directory`);
      return undefined;
    }
    return this.#open(elements, what, true);
  }

  /**
   * The host path of entry `name` (checked by `checkName`) of `directory`, for an operation on `what` that does not
   * follow it: anchored, the entry in the directory the descriptor holds, once that directory is checked to lie in the
   * root still; else the lexical path, each directory on the way checked.
   */
  entry(directory: SessionDirectory, name: string, what: string): string {
    if (directory.fd === undefined) return this.resolve([...directory.path, name], what);
    this.#checkStillInRoot(directory.fd, what);
    return `${PROC_FD}/${directory.fd}/${name}`;
  }

  /**
   * The host paths of entry `fromName` of `from` and entry `toName` of `to` (for a move), each as
   * {@link ConfinedRoot.entry} answers it; a directory that is both is checked once.
   */
  entryPair(
    from: SessionDirectory,
    fromName: string,
    to: SessionDirectory,
    toName: string,
    what: string,
  ): readonly [string, string] {
    const source = this.entry(from, fromName, what);
    if (to !== from || from.fd === undefined) return [source, this.entry(to, toName, what)];
    return [source, `${PROC_FD}/${from.fd}/${toName}`];
  }

  /** The host path of `directory` itself (to list it), checked as {@link ConfinedRoot.entry} checks. */
  directoryPath(directory: SessionDirectory, what: string): string {
    if (directory.fd === undefined) return this.resolve(directory.path, what);
    this.#checkStillInRoot(directory.fd, what);
    return `${PROC_FD}/${directory.fd}`;
  }

  /**
   * Runs `use` with the host path of the node at session path `elements` (the root for none), the directories on the
   * way checked as {@link ConfinedRoot.openDirectory} checks them; the last element is for `use` not to follow.
   */
  withNode<T>(elements: readonly string[], what: string, use: (host: string) => T): T {
    if (elements.length === 0) return use(this.hostPath);
    if (!this.anchored) return use(this.resolve(elements, what));
    const fd = this.#open(elements.slice(0, -1), what, false);
    try {
      return use(`${PROC_FD}/${fd}/${elements[elements.length - 1] as string}`);
    } finally {
      closeSync(fd);
    }
  }

  /** The `lstat` of the node at session path `elements` (a symbolic link's own). */
  lstat(elements: readonly string[], what: string): Stats {
    return this.withNode(elements, what, (host) => {
      const stats = this.#lstatIfThere(host, what);
      if (stats === undefined) throw new LookupFailed(`${what}: no such file or directory`);
      return stats;
    });
  }

  /**
   * Checks that a node is at session path `elements`, for a node handle; answers the descriptor of its directory, for
   * the handle to hold for {@link ConfinedRoot.lstatNode} (anchored, but for the root; else undefined).
   */
  openNode(elements: readonly string[], what: string): number | undefined {
    if (!this.anchored || elements.length === 0) {
      this.lstat(elements, what);
      return undefined;
    }
    const parent = this.#open(elements.slice(0, -1), what, false);
    try {
      this.#lstatEntry(parent, elements, what);
    } catch (error) {
      closeSync(parent);
      throw error;
    }
    return parent;
  }

  /**
   * The `lstat` of the node a node handle names: its name in the directory held as `parent` (checked to lie in the
   * root still), or, where none is held, at its session path `elements`.
   */
  lstatNode(elements: readonly string[], parent: number | undefined, what: string): Stats {
    if (parent === undefined) return this.lstat(elements, what);
    this.#checkStillInRoot(parent, what);
    return this.#lstatEntry(parent, elements, what);
  }

  /**
   * The lexical host path of session path `elements`, for an operation on `what`, where the root is not anchored:
   * every directory above the last element exists, is a directory and is no symbolic link, and the last one's parent
   * really lies in the root.
   */
  resolve(elements: readonly string[], what: string): string {
    if (elements.length === 0) return this.hostPath;
    // the common case in one call: a parent whose real path is the lexical one has no symbolic link on the way, and
    // with the trailing separator it resolves only as a directory; any other answer takes the walk below, which
    // names what is wrong
    const parent = join(this.hostPath, ...elements.slice(0, -1));
    if (realpathNative(parent.endsWith(sep) ? parent : parent + sep) === parent)
      return join(parent, elements[elements.length - 1] as string);
    let host = this.hostPath;
    for (let depth = 0; depth < elements.length - 1; depth++) {
      host = join(host, elements[depth] as string);
      this.#expectDirectory(host, joinElements(elements.slice(0, depth + 1)), what);
    }
    let real: string;
    try {
      real = realpathSync(host);
    } catch (error) {
      throw hostError(error, what);
    }
    if (!this.contains(real)) throw new PermissionDenied(`${what}: leaves the session's root`);
    return join(host, elements[elements.length - 1] as string);
  }

  /** Whether real host path `path` is the root or lies below it. */
  contains(path: string): boolean {
    return path === this.hostPath || path.startsWith(this.hostPath.endsWith(sep) ? this.hostPath : this.hostPath + sep);
  }

  /**
   * Checks that open file descriptor `fd` names a node in the root, as Linux's `/proc/self/fd` says (where there is
   * none, the checks before the open stand alone).
   */
  checkOpened(fd: number, what: string): void {
    let target: string;
    try {
      target = readlinkSync(`${PROC_FD}/${fd}`);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return;
      throw hostError(error, what);
    }
    if (!this.contains(target)) throw new PermissionDenied(`${what}: leaves the session's root`);
  }

  /**
   * The descriptor of the directory at `elements`, opened along its lexical path and refused unless that is its real
   * path; a refusal names the directory itself (`target`) or the directory on the way that is wrong.
   */
  #open(elements: readonly string[], what: string, target: boolean): number {
    const lexical = this.#lexical(elements, elements.length);
    let fd: number;
    try {
      fd = openSync(lexical, DIRECTORY_OPEN);
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') this.#explain(elements, what, target);
      throw hostError(error, what);
    }
    let real: string | undefined;
    try {
      real = readlinkSync(`${PROC_FD}/${fd}`);
    } catch {
      real = undefined;
    }
    if (real !== lexical) {
      closeSync(fd);
      this.#explain(elements, what, target);
    }
    return fd;
  }

  /** Refuses when the directory held open as `fd` no longer lies in the root (moved out of it, or removed). */
  #checkStillInRoot(fd: number, what: string): void {
    let real: string;
    try {
      real = readlinkSync(`${PROC_FD}/${fd}`);
    } catch (error) {
      throw hostError(error, what);
    }
    if (!this.contains(real))
      throw new PermissionDenied(
        real.endsWith(' (deleted)')
          ? `${what}: the directory was removed after its handle was opened`
          : `${what}: the directory was moved out of the session's root after its handle was opened`,
      );
  }

  /**
   * Throws what is wrong with session path `elements`: a directory on the way that is missing, no directory or a
   * symbolic link; with `target`, the last element named as the directory looked for. Throws that the path leaves the
   * root when each element is fine now (the host changed it meanwhile). Walks from the root, an `lstat` per element
   * up to the first wrong one, none of them throwing a host error for a missing node.
   */
  #explain(elements: readonly string[], what: string, target: boolean): never {
    const onTheWay = target ? elements.length - 1 : elements.length;
    for (let depth = 1; depth <= onTheWay; depth++) {
      const stats = this.#lstatIfThere(this.#lexical(elements, depth), what);
      if (stats?.isDirectory() === true) continue;
      const path = joinElements(elements.slice(0, depth));
      if (stats === undefined) throw new LookupFailed(`${what}: "${path}" does not exist`);
      if (stats.isSymbolicLink())
        throw new PermissionDenied(`${what}: "${path}" is a symbolic link, which lx_fs never follows`);
      throw new LookupFailed(`${what}: "${path}" is not a directory`);
    }
    if (target && elements.length > 0) {
      const stats = this.#lstatIfThere(this.#lexical(elements, elements.length), what);
      if (stats === undefined) throw new LookupFailed(`${what}: no such file or directory`);
      const kind = kindOf(stats);
      if (kind === 'symlink') throw new PermissionDenied(`${what}: is a symbolic link, which lx_fs never follows`);
      if (kind !== 'directory') throw new LookupFailed(`${what}: is ${KIND_NAMES[kind]}, not a directory`);
    }
    throw new PermissionDenied(`${what}: leaves the session's root`);
  }

  /** The `lstat` of the last element of `elements` in the directory held open as `fd` (not followed). */
  #lstatEntry(fd: number, elements: readonly string[], what: string): Stats {
    const stats = this.#lstatIfThere(`${PROC_FD}/${fd}/${elements[elements.length - 1] as string}`, what);
    if (stats === undefined) throw new LookupFailed(`${what}: no such file or directory`);
    return stats;
  }

  /** The `lstat` of `host`, undefined when nothing is there (no host error is made for that); else as `hostError`. */
  #lstatIfThere(host: string, what: string): Stats | undefined {
    try {
      return lstatSync(host, { throwIfNoEntry: false });
    } catch (error) {
      throw hostError(error, what);
    }
  }

  /** The lexical host path of the first `depth` elements of `elements` (names checked: no `/`, `.` or `..`). */
  #lexical(elements: readonly string[], depth: number): string {
    if (depth === 0) return this.hostPath;
    let host = this.hostPath.endsWith(sep) ? this.hostPath.slice(0, -1) : this.hostPath;
    for (let index = 0; index < depth; index++) host = `${host}${sep}${elements[index] as string}`;
    return host;
  }

  #expectDirectory(host: string, path: string, what: string): void {
    let stats: ReturnType<typeof lstatSync>;
    try {
      stats = lstatSync(host);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') throw new LookupFailed(`${what}: "${path}" does not exist`);
      throw hostError(error, what);
    }
    if (stats.isSymbolicLink())
      throw new PermissionDenied(`${what}: "${path}" is a symbolic link, which lx_fs never follows`);
    if (!stats.isDirectory()) throw new LookupFailed(`${what}: "${path}" is not a directory`);
  }
}
