import { RpcException } from '@os/rpc';
import { OutOfRam } from '@os/session';

/**
 * Base of the File_system session's errors (Genode's `File_system::Session` exceptions). Each message names the
 * session path it is about, as the client sees it (`/depot/x.tar.gz`), never the server's host path.
 */
export class FileSystemError extends RpcException {}

/** A handle that is not open in this session: closed, never opened, another session's, or of the wrong kind. */
export class InvalidHandle extends FileSystemError {}

/** A name or path the session refuses: `..`, `.`, an empty or relative path, a slash in a name, a NUL byte. */
export class InvalidName extends FileSystemError {}

/** No node at that path, or one of another kind than asked for (a directory where a file was asked). */
export class LookupFailed extends FileSystemError {}

/** A name longer than `MAX_NAME_LEN` bytes or a path longer than `MAX_PATH_LEN` bytes (UTF-8). */
export class NameTooLong extends FileSystemError {}

/** The host's file system is full, or a file would grow past what it allows. */
export class NoSpace extends FileSystemError {}

/** A node of that name exists already (a create, a mkdir). */
export class NodeAlreadyExists extends FileSystemError {}

/** A directory that is not empty cannot be unlinked or replaced by a move. */
export class NotEmpty extends FileSystemError {}

/**
 * The session's policy forbids it (a write under a read-only policy, a handle opened read-only), or the node is a
 * symbolic link, which lx_fs never follows, or the host refuses access.
 */
export class PermissionDenied extends FileSystemError {}

/** The host failed in a way the client cannot fix (an I/O error): try again later. */
export class Unavailable extends FileSystemError {}

/**
 * An argument out of range: a negative or fractional position, a length beyond the session's buffer, a size past
 * 2^53. Genode's packet stream drops such packets; here the call is refused with this error.
 */
export class InvalidArgument extends FileSystemError {}

/**
 * Every exception a File_system call may throw, for `throws` lists. `OutOfRam` (of `@os/session`) is Genode's
 * `Out_of_ram`: the session's donation holds no room for another handle; upgrade the session or close a handle.
 */
export const FILE_SYSTEM_ERRORS = [
  InvalidHandle,
  InvalidName,
  LookupFailed,
  NameTooLong,
  NoSpace,
  NodeAlreadyExists,
  NotEmpty,
  PermissionDenied,
  Unavailable,
  InvalidArgument,
  OutOfRam,
] as const;
