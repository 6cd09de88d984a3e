import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { LookupFailed, PermissionDenied } from '../file-system-errors.js';
import { joinElements } from '../session-path.js';
import { errnoOf, hostError } from './host-errors.js';
import type { StorageQuota } from './storage-quota.js';

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
 * leaves it: session paths hold no `..` (checked by `pathElements`), no directory on the way may be a symbolic link
 * (each is `lstat`ed), the last element is opened with `O_NOFOLLOW`, and what was opened is checked against the root
 * once more (`/proc/self/fd` on Linux).
 */
export class ConfinedRoot {
  /** The root's real host path. */
  readonly hostPath: string;
  /** Whether the session may write. */
  readonly writeable: boolean;
  /** What the session may store below the root; none: as much as the host takes. */
  readonly quota: StorageQuota | undefined;

  /** A root at real host path `hostPath`. */
  constructor(hostPath: string, writeable: boolean, quota?: StorageQuota) {
    this.hostPath = hostPath;
    this.writeable = writeable;
    this.quota = quota;
  }

  /**
   * The host path of session path `elements`, for an operation on `what`: every directory above the last element
   * exists, is a directory and is no symbolic link, and the last one's parent really lies in the root.
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
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return;
      throw hostError(error, what);
    }
    if (!this.contains(target)) throw new PermissionDenied(`${what}: leaves the session's root`);
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
