import { codec, defineInterface, method } from '@os/rpc';
import { FILE_SYSTEM_ERRORS } from './file-system-errors.js';

/** How a file handle may be used (Genode's `File_system::Mode`). */
export type OpenMode = 'read-only' | 'write-only' | 'read-write';

/** What a node is: Genode's node types, plus `other` for what the host has and the session does not serve. */
export type NodeKind = 'file' | 'directory' | 'symlink' | 'other';

const nodeKind = codec.oneOf('file', 'directory', 'symlink', 'other');

const nodeStatus = codec.record({
  kind: nodeKind,
  size: codec.f64,
  inode: codec.f64,
  mtimeMs: codec.f64,
  readable: codec.bool,
  writeable: codec.bool,
  executable: codec.bool,
});

/**
 * A node's status (Genode's `File_system::Status`): its kind, its size in bytes, its inode number, its modification
 * time (milliseconds since the epoch), and what the session may do with it (a read-only policy makes nothing
 * writeable).
 */
export interface NodeStatus {
  /** File, directory, symlink, or other (a device, a FIFO, a socket: never opened). */
  readonly kind: NodeKind;
  /** Size in bytes (of a directory: what the host says). */
  readonly size: number;
  /** The host's inode number. */
  readonly inode: number;
  /** Last modification, in milliseconds since the epoch. */
  readonly mtimeMs: number;
  /** Whether the session may read it. */
  readonly readable: boolean;
  /** Whether the session may write it. */
  readonly writeable: boolean;
  /** Whether its owner may execute it. */
  readonly executable: boolean;
}

const mode = codec.oneOf('read-only', 'write-only', 'read-write');
const handle = codec.u32;
const throws = FILE_SYSTEM_ERRORS;

/**
 * Genode's `File_system::Session`, service name `File_system`. Paths are absolute from the session's root (`/` is
 * the directory its policy names). Handles (`dir`, `file`, `node`) are numbers valid only in the session that opened
 * them. Data moves through the session's buffer (`dataspace()`, Genode's packet-stream bulk buffer, paid from the
 * client's donation): `read` fills its first bytes, `write` takes them, at most the buffer's size per call.
 * `entries` writes directory entries into it (see `decodeDirectoryEntries`).
 */
export const FileSystemSession = defineInterface('File_system', {
  /** The session's buffer, shared by client and server. */
  dataspace: method([], codec.capability()),
  /** A handle to the directory at `path`; with `create`, makes it first (its parent must exist). */
  dir: method([codec.string, codec.bool], handle, { throws }),
  /** A handle to file `name` in directory `dir`; with `create`, makes it first (it must not exist). */
  file: method([handle, codec.string, mode, codec.bool], handle, { throws }),
  /** A handle to the node at `path`, of any kind, for `status` (a symlink is not followed). */
  node: method([codec.string], handle, { throws }),
  /** Closes a handle. */
  close: method([handle], codec.void, { throws }),
  /** The status of the node a handle names. */
  status: method([handle], nodeStatus, { throws }),
  /** Writes the entries of directory `dir` from the `index`th on into the buffer; answers how many it wrote. */
  entries: method([handle, codec.u32], codec.u32, { throws }),
  /** Reads `length` bytes at `position` of a file into the buffer; answers how many: fewer only at the file's end. */
  read: method([handle, codec.f64, codec.f64], codec.f64, { throws }),
  /** Writes the buffer's first `length` bytes at `position` of a file; answers how many. */
  write: method([handle, codec.f64, codec.f64], codec.f64, { throws }),
  /** Sets a file's size. */
  truncate: method([handle, codec.f64], codec.void, { throws }),
  /** Removes `name` from directory `dir`: a file, a symlink, or an empty directory. */
  unlink: method([handle, codec.string], codec.void, { throws }),
  /** Renames `fromName` in `fromDir` to `toName` in `toDir`, atomically replacing a file there. */
  move: method([handle, codec.string, handle, codec.string], codec.void, { throws }),
  /** Writes what the host holds of a file or directory through to its disk. */
  sync: method([handle], codec.void, { throws }),
});
