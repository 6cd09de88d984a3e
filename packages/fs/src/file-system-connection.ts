import type { Capability } from '@os/capability';
import type { Env } from '@os/runtime';
import { Connection, type SessionArgs, type SessionEnv, requestSession } from '@os/session';
import { type DirectoryEntry, decodeDirectoryEntries } from './directory-entries.js';
import { InvalidArgument, InvalidName, LookupFailed, NoSpace, NodeAlreadyExists } from './file-system-errors.js';
import { FileSystemSession, type NodeStatus, type OpenMode } from './file-system-session.js';
import {
  DEFAULT_TX_BUF_SIZE,
  FILE_SYSTEM_SERVICE,
  FILE_SYSTEM_SESSION_CAPS,
  DEFAULT_NODE_HANDLES,
  NODE_HANDLE_RAM,
  fileSystemSessionRam,
} from './session-cost.js';
import { joinElements, pathElements } from './session-path.js';

/** A handle to a directory, from `dir`. */
export type DirHandle = number & { readonly fileSystemHandle: 'dir' };
/** A handle to a file, from `file`. */
export type FileHandle = number & { readonly fileSystemHandle: 'file' };
/** A handle to a node of any kind, from `node`: for `status`. */
export type NodeHandle = number & { readonly fileSystemHandle: 'node' };
/** Any handle. */
export type Handle = DirHandle | FileHandle | NodeHandle;

/** How {@link FileSystemConnection.open} opens its session. */
export interface FileSystemConnectionOptions {
  /** The session's label (what the server's policies select by, after the parents' prefixes). Default: empty. */
  readonly label?: string;
  /**
   * Bytes of the session's buffer (`tx_buf_size`, at least 4096): the most one read or write moves. The client
   * donates it, page-rounded, plus the handles' RAM. Default: {@link DEFAULT_TX_BUF_SIZE}.
   */
  readonly bufferSize?: number;
  /**
   * How many handles the session may hold open at once: the client donates {@link NODE_HANDLE_RAM} for each (a
   * client that works on several files at once, as a download of pkgs in parallel). Default and least:
   * {@link DEFAULT_NODE_HANDLES}.
   */
  readonly handles?: number;
}

/** How {@link FileSystemConnection.writeFile} writes. */
export interface WriteFileOptions {
  /**
   * Write a temporary file beside the target, sync it, then move it over the target: a reader (or a restart) sees
   * the old content or the new, never part of it. Default: false (truncate and write in place).
   */
  readonly atomic?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The session path for what a client wrote: relative paths start at the session's root. */
function sessionPath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/** The parent directory and the name of a path that is not the root. */
function splitPath(path: string): { readonly parent: string; readonly name: string } {
  const elements = pathElements(sessionPath(path));
  const name = elements.pop();
  if (name === undefined) throw new InvalidName(`path "${path}" is the session's root, which has no parent`);
  return { parent: joinElements(elements), name };
}

function isError(error: unknown, kind: typeof LookupFailed | typeof NodeAlreadyExists): boolean {
  return error instanceof kind || (error instanceof Error && (error as { code?: unknown }).code === kind.code);
}

/**
 * A connection to a File_system service (Genode's `File_system::Connection`) with its buffer attached. The session's
 * calls are here typed by handle kind (`dir`, `file`, `node`, `read`, `write`, ...; `read` and `write` move data of any
 * length in buffer-sized chunks), and on top of them what a downloader, an extractor or a state store needs by path:
 * `readFile`, `writeFile` (optionally atomic), `mkdir`, `mkdirp`, `exists`, `stat`, `list`, `rename`, `remove`.
 * Paths are absolute from the session's root; a relative path is taken from the root too (`state/x` is `/state/x`).
 */
export class FileSystemConnection extends Connection<typeof FileSystemSession> {
  #buffer: Uint8Array = new Uint8Array(0);
  #temporaries = 0;
  /** The last call that uses the buffer: the next one waits for it (see {@link FileSystemConnection.#withBuffer}). */
  #bufferTurn: Promise<unknown> = Promise.resolve();

  private constructor(env: SessionEnv, id: number, capability: Capability, args: SessionArgs) {
    super(env, FileSystemSession, id, capability, args);
  }

  /** Opens a File_system session and attaches its buffer. */
  static async open(env: Env, options: FileSystemConnectionOptions = {}): Promise<FileSystemConnection> {
    const bufferSize = options.bufferSize ?? DEFAULT_TX_BUF_SIZE;
    const extraHandles = Math.max(0, Math.ceil(options.handles ?? 0) - DEFAULT_NODE_HANDLES);
    const { id, capability, args } = await requestSession(env, {
      service: FILE_SYSTEM_SERVICE,
      label: options.label ?? '',
      ram: fileSystemSessionRam(bufferSize) + extraHandles * NODE_HANDLE_RAM,
      caps: FILE_SYSTEM_SESSION_CAPS,
      args: { tx_buf_size: bufferSize },
    });
    const connection = new FileSystemConnection(env, id, capability, args);
    try {
      const dataspace: Capability = await connection.session.dataspace();
      connection.#buffer = env.rm.attach(dataspace.cast());
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  /** Bytes of the session's buffer: the most one `read` or `write` call of the session moves. */
  get bufferSize(): number {
    return this.#buffer.length;
  }

  /**
   * A handle to the directory at `path`; with `create`, makes the directory first (File_system::dir). A path the
   * server would refuse (`..`, too long) is refused here already, with the same error.
   */
  async dir(path: string, create = false): Promise<DirHandle> {
    pathElements(sessionPath(path));
    return (await this.session.dir(sessionPath(path), create)) as DirHandle;
  }

  /** A handle to file `name` in `dir`, opened as `mode`; with `create`, makes it first (File_system::file). */
  async file(dir: DirHandle, name: string, mode: OpenMode, create = false): Promise<FileHandle> {
    return (await this.session.file(dir, name, mode, create)) as FileHandle;
  }

  /** A handle to the node at `path`, of any kind, for `status` (File_system::node). */
  async node(path: string): Promise<NodeHandle> {
    pathElements(sessionPath(path));
    return (await this.session.node(sessionPath(path))) as NodeHandle;
  }

  /** Closes a handle (File_system::close). */
  async closeHandle(handle: Handle): Promise<void> {
    await this.session.close(handle);
  }

  /** The status of the node behind `handle` (File_system::status). */
  async status(handle: Handle): Promise<NodeStatus> {
    return this.session.status(handle);
  }

  /** Every entry of directory `dir`, in the host's order. */
  async entries(dir: DirHandle): Promise<DirectoryEntry[]> {
    const all: DirectoryEntry[] = [];
    for (;;) {
      const count = await this.#withBuffer(async () => {
        const written = await this.session.entries(dir, all.length);
        all.push(...decodeDirectoryEntries(this.#buffer, written));
        return written;
      });
      if (count === 0) return all;
    }
  }

  /** Up to `length` bytes at `position` of `file`, fewer at its end; moved in buffer-sized chunks. */
  async read(file: FileHandle, position: number, length: number): Promise<Uint8Array> {
    FileSystemConnection.#checkRange(position, length);
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (total < length) {
      const asked = Math.min(length - total, this.#buffer.length);
      const count = await this.#withBuffer(async () => {
        const read = await this.session.read(file, position + total, asked);
        if (read > 0) chunks.push(this.#buffer.slice(0, read));
        return read;
      });
      total += count;
      // the session answers fewer bytes than asked only at the file's end: no call to learn that it is there
      if (count < asked) break;
    }
    return concat(chunks, total);
  }

  /** Writes `bytes` at `position` of `file`, in buffer-sized chunks; answers how many bytes were written. */
  async write(file: FileHandle, position: number, bytes: Uint8Array): Promise<number> {
    FileSystemConnection.#checkRange(position, bytes.length);
    let total = 0;
    while (total < bytes.length) {
      const chunk = bytes.subarray(total, total + this.#buffer.length);
      const count = await this.#withBuffer(() => {
        this.#buffer.set(chunk);
        return this.session.write(file, position + total, chunk.length);
      });
      if (count === 0) break;
      total += count;
    }
    return total;
  }

  /** Sets the size of `file` (File_system::truncate). */
  async truncate(file: FileHandle, size: number): Promise<void> {
    await this.session.truncate(file, size);
  }

  /** Removes `name` from `dir`: a file, a symlink or an empty directory (File_system::unlink). */
  async unlink(dir: DirHandle, name: string): Promise<void> {
    await this.session.unlink(dir, name);
  }

  /** Moves `fromName` in `fromDir` to `toName` in `toDir`, atomically replacing a file there (File_system::move). */
  async move(fromDir: DirHandle, fromName: string, toDir: DirHandle, toName: string): Promise<void> {
    await this.session.move(fromDir, fromName, toDir, toName);
  }

  /** Has the host write the node behind `handle` through to its disk (File_system::sync). */
  async sync(handle: DirHandle | FileHandle): Promise<void> {
    await this.session.sync(handle);
  }

  /** The whole content of the file at `path`. */
  async readFile(path: string): Promise<Uint8Array> {
    const { parent, name } = splitPath(path);
    return this.#withDir(parent, async (dir) => {
      const file = await this.file(dir, name, 'read-only');
      try {
        return await this.read(file, 0, Number.MAX_SAFE_INTEGER);
      } finally {
        await this.closeHandle(file);
      }
    });
  }

  /** The content of the file at `path` as UTF-8 text. */
  async readText(path: string): Promise<string> {
    return decoder.decode(await this.readFile(path));
  }

  /**
   * Makes the file at `path` hold `content` (text as UTF-8), creating it if needed; its directory must exist. With
   * `atomic`, the content goes to a temporary file that is synced and then moved over the target.
   */
  async writeFile(path: string, content: Uint8Array | string, options: WriteFileOptions = {}): Promise<void> {
    const bytes = typeof content === 'string' ? encoder.encode(content) : content;
    const { parent, name } = splitPath(path);
    await this.#withDir(parent, async (dir) => {
      if (options.atomic !== true) return this.#writeInto(dir, name, bytes, false);
      const temporary = `.${this.id}-${++this.#temporaries}.part`;
      try {
        await this.#writeInto(dir, temporary, bytes, true);
        await this.move(dir, temporary, dir, name);
      } catch (error) {
        await this.unlink(dir, temporary).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Makes the directory at `path`; its parent must exist (`NodeAlreadyExists` when it is there). */
  async mkdir(path: string): Promise<void> {
    await this.closeHandle(await this.dir(path, true));
  }

  /**
   * Makes the directory at `path` and every missing one above it; one that exists is fine. Looks from the end: a
   * path that exists costs one lookup, one whose parent exists one more.
   */
  async mkdirp(path: string): Promise<void> {
    const elements = pathElements(sessionPath(path));
    // the deepest existing prefix, then each missing directory below it, made in order
    let depth = elements.length;
    for (; depth > 0; depth--) {
      const dir = await this.#existingDir(joinElements(elements.slice(0, depth)));
      if (dir === undefined) continue;
      await this.closeHandle(dir);
      break;
    }
    for (depth++; depth <= elements.length; depth++) {
      const prefix = joinElements(elements.slice(0, depth));
      let dir: DirHandle;
      try {
        dir = await this.dir(prefix, true);
      } catch (raced) {
        if (!isError(raced, NodeAlreadyExists)) throw raced;
        dir = await this.dir(prefix);
      }
      await this.closeHandle(dir);
    }
  }

  /** A handle to the directory at `path`, or undefined when there is none (LookupFailed). */
  async #existingDir(path: string): Promise<DirHandle | undefined> {
    try {
      return await this.dir(path);
    } catch (error) {
      if (isError(error, LookupFailed)) return undefined;
      throw error;
    }
  }

  /** Whether a node is at `path` (a symlink counts, unfollowed). */
  async exists(path: string): Promise<boolean> {
    try {
      await this.closeHandle(await this.node(path));
      return true;
    } catch (error) {
      if (isError(error, LookupFailed)) return false;
      throw error;
    }
  }

  /** The status of the node at `path` (a symlink's own). */
  async stat(path: string): Promise<NodeStatus> {
    const node = await this.node(path);
    try {
      return await this.status(node);
    } finally {
      await this.closeHandle(node);
    }
  }

  /** The entries of the directory at `path`, sorted by name. */
  async list(path: string): Promise<DirectoryEntry[]> {
    const entries = await this.#withDir(sessionPath(path), (dir) => this.entries(dir));
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Moves the node at `from` to `to` (replacing a file there atomically); both directories must exist. */
  async rename(from: string, to: string): Promise<void> {
    const source = splitPath(from);
    const target = splitPath(to);
    await this.#withDir(source.parent, (fromDir) =>
      this.#withDir(target.parent, (toDir) => this.move(fromDir, source.name, toDir, target.name)),
    );
  }

  /** Removes the node at `path`: a file or symlink, or a directory with everything in it. */
  async remove(path: string): Promise<void> {
    const { parent, name } = splitPath(path);
    const full = joinElements([...pathElements(sessionPath(parent)), name]);
    if ((await this.stat(full)).kind === 'directory')
      for (const entry of await this.list(full)) await this.remove(`${full}/${entry.name}`);
    await this.#withDir(parent, (dir) => this.unlink(dir, name));
  }

  /**
   * Runs `use`, which fills or empties the buffer around one call, after every earlier such call of this connection:
   * the server may be busy (waiting for the disk for another call), and a call that waits for it must find the buffer
   * as its caller left it, not as a later call of the same connection filled it.
   */
  #withBuffer<T>(use: () => Promise<T>): Promise<T> {
    const turn = this.#bufferTurn.then(use);
    this.#bufferTurn = turn.catch(() => undefined);
    return turn;
  }

  async #withDir<T>(path: string, use: (dir: DirHandle) => Promise<T>): Promise<T> {
    const dir = await this.dir(path);
    try {
      return await use(dir);
    } finally {
      await this.closeHandle(dir);
    }
  }

  async #writeInto(dir: DirHandle, name: string, bytes: Uint8Array, sync: boolean): Promise<void> {
    let file: FileHandle;
    try {
      file = await this.file(dir, name, 'write-only', true);
    } catch (error) {
      if (!isError(error, NodeAlreadyExists)) throw error;
      file = await this.file(dir, name, 'write-only');
      await this.truncate(file, 0);
    }
    try {
      const written = await this.write(file, 0, bytes);
      if (written < bytes.length)
        throw new NoSpace(`file "${name}": the server wrote ${written} of ${bytes.length} bytes; free some space`);
      if (sync) await this.sync(file);
    } finally {
      await this.closeHandle(file);
    }
  }

  static #checkRange(position: number, length: number): void {
    if (!Number.isSafeInteger(position) || position < 0 || !Number.isSafeInteger(length) || length < 0)
      throw new InvalidArgument(
        `position ${position} and length ${length} must be whole numbers from 0 to 2^53 - 1 (bytes)`,
      );
  }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}
