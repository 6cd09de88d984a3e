/** The kind of entry a {@link VfsDirent} describes. */
export type VfsDirentType = 'file' | 'directory' | 'characterDevice';

/** What `readdir` with `withFileTypes: true` returns: Node's `fs.Dirent`, its name and type. */
export class VfsDirent {
  /** The directory it was listed in, as the caller named it (Node's `parentPath`). */
  readonly parentPath: string;
  /** The same as `parentPath` (Node's older name for it). */
  readonly path: string;
  readonly #type: VfsDirentType;

  /** The entry `name` of type `type` in directory `parentPath`. */
  constructor(
    /** The entry's name in its directory. */
    readonly name: string,
    type: VfsDirentType,
    parentPath: string,
  ) {
    this.#type = type;
    this.parentPath = parentPath;
    this.path = parentPath;
  }

  /** True for `<rom>`, `<inline>` and `<ram/>` files. */
  isFile(): boolean {
    return this.#type === 'file';
  }

  /** True for directories. */
  isDirectory(): boolean {
    return this.#type === 'directory';
  }

  /** True for `<log/>`, `<rtc/>`, `<null/>` and `<zero/>`. */
  isCharacterDevice(): boolean {
    return this.#type === 'characterDevice';
  }

  /** Always false: the VFS has no links. */
  isSymbolicLink(): boolean {
    return false;
  }

  /** Always false: the VFS has no block devices. */
  isBlockDevice(): boolean {
    return false;
  }

  /** Always false: the VFS has no pipes. */
  isFIFO(): boolean {
    return false;
  }

  /** Always false: the VFS has no sockets. */
  isSocket(): boolean {
    return false;
  }
}
