import { type DirHandle, type FileHandle, type FileSystem, LookupFailed, NodeAlreadyExists } from '@os/fs';

/** Whether `error` is a File_system error of `kind` (also one of another copy of `@os/fs`, by its name). */
export function isFileSystemError(error: unknown, kind: abstract new (message?: string) => Error): boolean {
  return error instanceof kind || (error instanceof Error && error.name === kind.name);
}

/**
 * The files the queue keeps open on its File_system session, at most `max` at once, the least recently used closed
 * first: each open handle costs the session's donation (lx_fs refuses one beyond it with `OutOfRam`), so the queue
 * keeps a few and reopens the others when it needs them. Files opened `cold` (the marks: one small write now and
 * then) are closed before any other, so that the segments written at every flush stay open when the handles are
 * too few for every file (each reopening costs four calls on the session).
 */
export class FileHandles {
  readonly #fs: FileSystem.Connection;
  readonly #max: number;
  /** Open handles by session path, least recently used first. */
  readonly #open = new Map<string, FileHandle>();
  /** Open handles of cold files, least recently used first. */
  readonly #cold = new Map<string, FileHandle>();

  constructor(fs: FileSystem.Connection, max: number) {
    this.#fs = fs;
    this.#max = Math.max(1, max);
  }

  /**
   * The read-write handle of the file `name` in `directory`; `create` makes the file (and syncs the directory when it
   * made it); a `cold` file's handle goes first when one must go.
   */
  async file(directory: string, name: string, create = false, cold = false): Promise<FileHandle> {
    const path = `${directory}/${name}`;
    const held = cold ? this.#cold : this.#open;
    const open = held.get(path);
    if (open !== undefined) {
      held.delete(path);
      held.set(path, open);
      return open;
    }
    while (this.#open.size + this.#cold.size >= this.#max) await this.#closeOldest();
    const dir = await this.#fs.dir(directory);
    let handle: FileHandle;
    try {
      let created = create;
      try {
        handle = await this.#fs.file(dir, name, 'read-write', create);
      } catch (error) {
        if (!create || !isFileSystemError(error, NodeAlreadyExists)) throw error;
        handle = await this.#fs.file(dir, name, 'read-write', false);
        created = false;
      }
      // a new name is made durable once; reopening a file that was there waits for no disk
      if (created) await this.#fs.sync(dir);
    } finally {
      await this.#fs.closeHandle(dir);
    }
    held.set(path, handle);
    return handle;
  }

  /** Closes the handle of `directory/name` if one is open, then removes the file; a missing file is no error. */
  async unlink(directory: string, name: string): Promise<void> {
    await this.forget(`${directory}/${name}`);
    let dir: DirHandle;
    try {
      dir = await this.#fs.dir(directory);
    } catch (error) {
      if (isFileSystemError(error, LookupFailed)) return;
      throw error;
    }
    try {
      await this.#fs.unlink(dir, name);
    } catch (error) {
      if (!isFileSystemError(error, LookupFailed)) throw error;
    } finally {
      await this.#fs.closeHandle(dir);
    }
  }

  /** Closes the handle of `path` if one is open. */
  async forget(path: string): Promise<void> {
    const held = this.#cold.has(path) ? this.#cold : this.#open;
    const handle = held.get(path);
    if (handle === undefined) return;
    held.delete(path);
    await this.#fs.closeHandle(handle);
  }

  /** Closes every handle. */
  async closeAll(): Promise<void> {
    while (this.#open.size + this.#cold.size > 0) await this.#closeOldest();
  }

  async #closeOldest(): Promise<void> {
    const [path] = this.#cold.size > 0 ? this.#cold.keys() : this.#open.keys();
    if (path !== undefined) await this.forget(path);
  }
}
