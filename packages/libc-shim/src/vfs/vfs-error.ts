/** Node's (libuv's) errno number and description for each code the VFS reports. */
const ERRNO = {
  ENOENT: [-2, 'no such file or directory'],
  EBADF: [-9, 'bad file descriptor'],
  EACCES: [-13, 'permission denied'],
  EBUSY: [-16, 'resource busy or locked'],
  EEXIST: [-17, 'file already exists'],
  EXDEV: [-18, 'cross-device link not permitted'],
  ENOTDIR: [-20, 'not a directory'],
  EISDIR: [-21, 'illegal operation on a directory'],
  EINVAL: [-22, 'invalid argument'],
  ENOSPC: [-28, 'no space left on device'],
  EROFS: [-30, 'read-only file system'],
  ENOTEMPTY: [-39, 'directory not empty'],
} as const satisfies Record<string, readonly [number, string]>;

/** The `code`s of {@link VfsError}: the subset of Node's error codes a VFS operation can fail with. */
export type VfsErrorCode = keyof typeof ERRNO;

/** The system call a {@link VfsError} names, as Node names it for the same failure. */
export type VfsSyscall =
  | 'open'
  | 'close'
  | 'read'
  | 'write'
  | 'stat'
  | 'lstat'
  | 'fstat'
  | 'scandir'
  | 'mkdir'
  | 'rmdir'
  | 'unlink'
  | 'rename'
  | 'access'
  | 'chdir';

/**
 * A failed file operation, shaped like Node's own `fs` errors so code written for Node handles it
 * unchanged: `code` (`'ENOENT'`), negative `errno`, `syscall`, `path` (as the caller wrote it) and
 * for `rename` `dest`, and the message `ENOENT: no such file or directory, open '/x'`.
 *
 * @remarks
 * Its `code` is Node's and not an `ERR_OS_` code: programs match on Node's codes. Its `name` stays
 * `Error`, as Node's are, so it prints the way Node prints them.
 */
export class VfsError extends Error {
  /** Node's negative error number (`ENOENT` is -2). */
  readonly errno: number;
  /** Node's error code. */
  readonly code: VfsErrorCode;
  /** The system call Node would name. */
  readonly syscall: VfsSyscall;
  /** The path as the caller gave it; absent for operations on file descriptors. */
  declare readonly path?: string;
  /** The destination of a `rename`. */
  declare readonly dest?: string;

  /** Creates the error for `code` in `syscall`, about `path` (and `dest`), with Node's message. */
  constructor(code: VfsErrorCode, syscall: VfsSyscall, path?: string, dest?: string) {
    const [errno, description] = ERRNO[code];
    const place = path === undefined ? '' : dest === undefined ? ` '${path}'` : ` '${path}' -> '${dest}'`;
    super(`${code}: ${description}, ${syscall}${place}`);
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
    if (path !== undefined)
      Object.defineProperty(this, 'path', { value: path, enumerable: true, writable: true, configurable: true });
    if (dest !== undefined)
      Object.defineProperty(this, 'dest', { value: dest, enumerable: true, writable: true, configurable: true });
  }
}

/**
 * The operation a VFS call is in and the path(s) it is about: where deep code turns a failure code
 * into the {@link VfsError} the caller sees, without knowing which API call it serves.
 */
export class ErrorSite {
  /** Notes the call's `syscall` and the paths as the caller wrote them. */
  constructor(
    readonly syscall: VfsSyscall,
    readonly path?: string,
    readonly dest?: string,
  ) {}

  /** The error for `code` at this site. */
  error(code: VfsErrorCode): VfsError {
    return new VfsError(code, this.syscall, this.path, this.dest);
  }
}
