import {
  type Stats,
  closeSync,
  constants,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  opendirSync,
  readSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { Capability } from '@os/capability';
import type { KernelThread, Selector } from '@os/kernel';
import { RpcObject, type ServerOf } from '@os/rpc';
import { encodeDirectoryEntry } from '../directory-entries.js';
import { InvalidArgument, LookupFailed, NodeAlreadyExists, PermissionDenied } from '../file-system-errors.js';
import { FileSystemSession, type NodeStatus, type OpenMode } from '../file-system-session.js';
import { checkName, joinElements, pathElements, printablePath } from '../session-path.js';
import type { ConfinedRoot } from './confined-root.js';
import { errnoOf, hostError } from './host-errors.js';
import { KIND_NAMES, kindOf } from './node-kind.js';
import type { NodeHandles } from './node-handles.js';

const OPEN_FLAGS: Readonly<Record<OpenMode, number>> = {
  'read-only': constants.O_RDONLY,
  'write-only': constants.O_WRONLY,
  'read-write': constants.O_RDWR,
};
// never follow a symlink, never block on a FIFO someone placed in the root
const SAFE_OPEN = (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
// a directory made by `dir`, opened for its handle: the one just made, never a symlink put in its place
const DIRECTORY_OPEN = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | SAFE_OPEN;

/**
 * Removes the node at `host` without following it: a file or symbolic link by `unlink`, an empty directory by `rmdir`
 * (tried when `unlink` refuses a directory: `EISDIR` on Linux, `EPERM` elsewhere), in one call for the common case.
 */
function removeNode(host: string): void {
  try {
    unlinkSync(host);
  } catch (error) {
    const code = errnoOf(error);
    if (code !== 'EISDIR' && code !== 'EPERM') throw error;
    try {
      rmdirSync(host);
    } catch (rmdirError) {
      // no directory after all: what unlink said stands
      throw errnoOf(rmdirError) === 'ENOTDIR' ? error : rmdirError;
    }
  }
}

/** `fsync` on Node's thread pool, as a promise. */
function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error === null ? resolve() : reject(error))));
}

/**
 * One client's File_system session at lx_fs: its buffer (a dataspace paid from the client's donation, shared with
 * it), its handles, and its root on the host. Calls run synchronous `node:fs` calls, so a client's call to an idle
 * server completes within the call (the kernel's direct switch), on real and virtual time alike; with `waitsOnDisk`
 * (real time only), `sync` waits for the disk on Node's thread pool instead, and the one JavaScript thread runs other
 * components meanwhile while this entrypoint stays blocked for its other clients, as a Genode entrypoint would.
 */
export class LxFsSession extends RpcObject<typeof FileSystemSession> implements ServerOf<typeof FileSystemSession> {
  /** The buffer's dataspace, in the server's space; freed on close. */
  readonly buffer: Selector;
  /** The session's root on the host. */
  readonly root: ConfinedRoot;
  readonly #bytes: Uint8Array;
  readonly #handles: NodeHandles;
  readonly #waitsOnDisk: boolean;

  /**
   * A session with a buffer of `bufferSize` bytes from `thread`'s PD, confined to `root`; `waitsOnDisk` lets `sync`
   * wait for the disk off the thread (never on virtual time: its clock would jump while the disk works).
   */
  constructor(thread: KernelThread, bufferSize: number, root: ConfinedRoot, handles: NodeHandles, waitsOnDisk = false) {
    super(FileSystemSession);
    this.buffer = thread.allocDataspace(bufferSize);
    this.#bytes = thread.attach(this.buffer);
    this.root = root;
    this.#handles = handles;
    this.#waitsOnDisk = waitsOnDisk;
  }

  /** Hands the client the session's buffer. */
  dataspace(): Capability {
    return new Capability(this.buffer);
  }

  /** A handle to the directory at `path`, made first with `create` (File_system::dir). */
  dir(path: string, create: boolean): number {
    const what = `dir "${printablePath(path)}"`;
    const elements = pathElements(path);
    this.#handles.requireRoom(what);
    let fd: number | undefined;
    if (create) {
      this.#requireWriteable(what);
      if (elements.length === 0) throw new NodeAlreadyExists(`${what}: the session's root exists`);
      fd = this.root.withNode(elements, what, (host) => {
        try {
          mkdirSync(host, 0o755);
          return this.root.anchored ? openSync(host, DIRECTORY_OPEN) : undefined;
        } catch (error) {
          throw hostError(error, what);
        }
      });
    } else fd = this.root.openDirectory(elements, what);
    return this.#handles.add({ kind: 'dir', path: elements, fd });
  }

  /** A handle to file `name` in directory `dir`, opened as `mode`, made first with `create` (File_system::file). */
  file(dir: number, name: string, mode: OpenMode, create: boolean): number {
    const parent = this.#handles.get(dir, 'file', 'dir');
    const what = `file "${printablePath(joinElements([...parent.path, name]))}"`;
    checkName(name, what);
    if (mode !== 'read-only' || create) this.#requireWriteable(what);
    this.#handles.requireRoom(what);
    const host = this.root.entry(parent, name, what);
    let fd: number;
    try {
      fd = openSync(host, OPEN_FLAGS[mode] | SAFE_OPEN | (create ? constants.O_CREAT | constants.O_EXCL : 0), 0o644);
    } catch (error) {
      throw hostError(error, what);
    }
    try {
      // what this open made (O_CREAT | O_EXCL, never through a symbolic link) is a file; a node that was there may be
      // anything
      if (!create) {
        const kind = kindOf(fstatSync(fd));
        if (kind !== 'file') throw new LookupFailed(`${what}: is ${KIND_NAMES[kind]}, not a file`);
      }
      // an anchored directory was checked to lie in the root just before, and the name was not followed
      if (!this.root.anchored) this.root.checkOpened(fd, what);
    } catch (error) {
      closeSync(fd);
      throw hostError(error, what);
    }
    return this.#handles.add({ kind: 'file', path: [...parent.path, name], fd, mode });
  }

  /** A handle to the node at `path`, of any kind (File_system::node). */
  node(path: string): number {
    const what = `node "${printablePath(path)}"`;
    const elements = pathElements(path);
    this.#handles.requireRoom(what);
    // its directory stays open with the handle, so that `status` looks the name up there
    return this.#handles.add({ kind: 'node', path: elements, fd: this.root.openNode(elements, what) });
  }

  /** Closes a handle (File_system::close). */
  close(handle: number): void {
    this.#handles.get(handle, 'close');
    this.#handles.remove(handle);
  }

  /** The status of the node a handle names (File_system::status). */
  status(handle: number): NodeStatus {
    const node = this.#handles.get(handle, 'status');
    const what = `status of "${joinElements(node.path)}"`;
    let stats: Stats;
    try {
      if (node.kind === 'node') stats = this.root.lstatNode(node.path, node.fd, what);
      else if (node.kind === 'file') stats = fstatSync(node.fd);
      else if (node.fd === undefined) stats = this.root.lstat(node.path, what);
      else {
        this.root.directoryPath(node, what);
        stats = fstatSync(node.fd);
      }
    } catch (error) {
      throw hostError(error, what);
    }
    return {
      kind: kindOf(stats),
      size: stats.size,
      inode: stats.ino,
      mtimeMs: stats.mtimeMs,
      readable: (stats.mode & 0o400) !== 0,
      writeable: this.root.writeable && (stats.mode & 0o200) !== 0,
      executable: (stats.mode & 0o100) !== 0,
    };
  }

  /** Writes the entries of `dir` from the `index`th on into the buffer; answers how many fit. */
  entries(dir: number, index: number): number {
    const node = this.#handles.get(dir, 'entries', 'dir');
    const what = `entries of "${joinElements(node.path)}"`;
    const host = this.root.directoryPath(node, what);
    if (node.fd === undefined) {
      const kind = kindOf(this.root.lstat(node.path, what));
      if (kind !== 'directory') throw new LookupFailed(`${what}: is ${KIND_NAMES[kind]} now, not a directory`);
    }
    let listing: ReturnType<typeof opendirSync>;
    try {
      listing = opendirSync(host);
    } catch (error) {
      throw hostError(error, what);
    }
    try {
      let count = 0;
      let offset = 0;
      for (let seen = 0; ; seen++) {
        const entry = listing.readSync();
        if (entry === null || seen < index) {
          if (entry === null) return count;
          continue;
        }
        let entryKind = kindOf(entry);
        // some file systems leave the type out of their entries
        if (entryKind === 'other')
          entryKind = kindOf(lstatSync(join(host, entry.name), { throwIfNoEntry: false }) ?? entry);
        const next = encodeDirectoryEntry(this.#bytes, offset, { name: entry.name, kind: entryKind });
        if (next < 0) return count;
        offset = next;
        count++;
      }
    } catch (error) {
      throw hostError(error, what);
    } finally {
      listing.closeSync();
    }
  }

  /**
   * Reads up to `length` bytes at `position` into the buffer; answers how many (File_system's READ packet): fewer only
   * at the file's end, as a handle's file is a regular one, which `pread` reads whole up to there.
   */
  read(file: number, position: number, length: number): number {
    const node = this.#handles.get(file, 'read', 'file');
    const what = `read of "${joinElements(node.path)}"`;
    if (node.mode === 'write-only') throw new PermissionDenied(`${what}: the handle was opened write-only`);
    this.#checkRange(what, position, length);
    try {
      return readSync(node.fd, this.#bytes, 0, length, position);
    } catch (error) {
      throw hostError(error, what);
    }
  }

  /** Writes the buffer's first `length` bytes at `position`; answers how many (File_system's WRITE packet). */
  write(file: number, position: number, length: number): number {
    const node = this.#handles.get(file, 'write', 'file');
    const what = `write to "${joinElements(node.path)}"`;
    if (node.mode === 'read-only') throw new PermissionDenied(`${what}: the handle was opened read-only`);
    this.#checkRange(what, position, length);
    // the file's size is asked for only where a quota counts the growth
    const quota = this.root.quota;
    const grown = quota === undefined ? 0 : this.#growth(node.fd, position + length, what);
    quota?.charge(grown, what);
    let written = 0;
    try {
      while (written < length) {
        const count = writeSync(node.fd, this.#bytes, written, length - written, position + written);
        if (count === 0) break;
        written += count;
      }
    } catch (error) {
      quota?.release(grown - this.#growth(node.fd, position + length, what));
      throw hostError(error, what);
    }
    return written;
  }

  /** Sets a file's size (File_system::truncate). */
  truncate(file: number, size: number): void {
    const node = this.#handles.get(file, 'truncate', 'file');
    const what = `truncate of "${joinElements(node.path)}"`;
    if (node.mode === 'read-only') throw new PermissionDenied(`${what}: the handle was opened read-only`);
    this.#checkRange(what, size, 0);
    const quota = this.root.quota;
    const before = quota === undefined ? 0 : this.#size(node.fd, what);
    quota?.charge(size - before, what);
    try {
      ftruncateSync(node.fd, size);
    } catch (error) {
      quota?.release(size - before);
      throw hostError(error, what);
    }
    quota?.release(before - size);
  }

  /** Removes `name` from `dir`: a file, a symlink (not followed) or an empty directory (File_system::unlink). */
  unlink(dir: number, name: string): void {
    const parent = this.#handles.get(dir, 'unlink', 'dir');
    const what = `unlink of "${printablePath(joinElements([...parent.path, name]))}"`;
    checkName(name, what);
    this.#requireWriteable(what);
    const host = this.root.entry(parent, name, what);
    try {
      if (this.root.quota === undefined) removeNode(host);
      else {
        // a quota gives back what a file held: its size first
        const stats = lstatSync(host);
        if (stats.isDirectory()) rmdirSync(host);
        else unlinkSync(host);
        if (stats.isFile()) this.root.quota.release(stats.size);
      }
    } catch (error) {
      throw hostError(error, what);
    }
  }

  /** Renames `fromName` in `fromDir` to `toName` in `toDir`, replacing a file there atomically (File_system::move). */
  move(fromDir: number, fromName: string, toDir: number, toName: string): void {
    const fromParent = this.#handles.get(fromDir, 'move', 'dir');
    const toParent = this.#handles.get(toDir, 'move', 'dir');
    const from = printablePath(joinElements([...fromParent.path, fromName]));
    const to = printablePath(joinElements([...toParent.path, toName]));
    const what = `move of "${from}" to "${to}"`;
    checkName(fromName, what);
    checkName(toName, what);
    this.#requireWriteable(what);
    const [source, target] = this.root.entryPair(fromParent, fromName, toParent, toName, what);
    try {
      // a quota gives back what a replaced file held
      const replaced = this.root.quota === undefined ? undefined : lstatSync(target, { throwIfNoEntry: false });
      renameSync(source, target);
      if (replaced?.isFile() === true) this.root.quota?.release(replaced.size);
    } catch (error) {
      throw hostError(error, what);
    }
  }

  /**
   * Writes a file's or directory's state through to the host's disk (File_system::sync); with `waitsOnDisk`, the
   * file's or held directory's `fsync` runs on Node's thread pool and the reply follows it.
   */
  sync(handle: number): void | Promise<void> {
    const node = this.#handles.get(handle, 'sync');
    const what = `sync of "${joinElements(node.path)}"`;
    if (node.kind === 'node') return;
    if (node.fd !== undefined) {
      if (this.#waitsOnDisk)
        return fsyncAsync(node.fd).catch((error: unknown) => {
          throw hostError(error, what);
        });
      try {
        fsyncSync(node.fd);
      } catch (error) {
        throw hostError(error, what);
      }
      return;
    }
    try {
      const fd = openSync(this.root.resolve(node.path, what), constants.O_RDONLY | SAFE_OPEN);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw hostError(error, what);
    }
  }

  /** Closes every handle (the session closed). */
  closeHandles(): void {
    this.#handles.clear();
  }

  /** The size of open file `fd`. */
  #size(fd: number, what: string): number {
    try {
      return fstatSync(fd).size;
    } catch (error) {
      throw hostError(error, what);
    }
  }

  /** By how many bytes a write ending at `end` makes file `fd` grow. */
  #growth(fd: number, end: number, what: string): number {
    return Math.max(0, end - this.#size(fd, what));
  }

  #requireWriteable(what: string): void {
    if (!this.root.writeable) throw new PermissionDenied(`${what}: the session's policy is read-only (writeable="no")`);
  }

  #checkRange(what: string, position: number, length: number): void {
    if (!Number.isSafeInteger(position) || position < 0)
      throw new InvalidArgument(
        `${what}: position ${position} is not a byte offset (a whole number from 0 to 2^53 - 1)`,
      );
    if (!Number.isSafeInteger(length) || length < 0 || length > this.#bytes.length)
      throw new InvalidArgument(
        `${what}: length ${length} is not from 0 to the session's buffer of ${this.#bytes.length} bytes; move more ` +
          'in several calls',
      );
    if (position + length > Number.MAX_SAFE_INTEGER)
      throw new InvalidArgument(`${what}: position ${position} plus length ${length} passes 2^53 - 1`);
  }
}
