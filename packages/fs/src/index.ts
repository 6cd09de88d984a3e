import { FileSystemConnection } from './file-system-connection.js';
import { FileSystemSession } from './file-system-session.js';

export {
  FileSystemConnection,
  type DirHandle,
  type FileHandle,
  type NodeHandle,
  type Handle,
  type FileSystemConnectionOptions,
  type WriteFileOptions,
} from './file-system-connection.js';
export { FileSystemSession, type NodeKind, type NodeStatus, type OpenMode } from './file-system-session.js';
export {
  FileSystemError,
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
  FILE_SYSTEM_ERRORS,
} from './file-system-errors.js';
export { OutOfRam } from '@os/session';
export { type DirectoryEntry, decodeDirectoryEntries, encodeDirectoryEntry } from './directory-entries.js';
export { MAX_NAME_LEN, MAX_PATH_LEN, checkName, pathElements, joinElements } from './session-path.js';
export {
  FILE_SYSTEM_SERVICE,
  DEFAULT_TX_BUF_SIZE,
  MIN_TX_BUF_SIZE,
  NODE_HANDLE_RAM,
  DEFAULT_NODE_HANDLES,
  FILE_SYSTEM_SESSION_CAPS,
  fileSystemSessionRam,
} from './session-cost.js';

/** Genode's File_system session: `FileSystem.Connection` for clients, `FileSystem.Session` the interface. */
export namespace FileSystem {
  /** A connection to a File_system service. */
  export type Connection = FileSystemConnection;
  /** A connection to a File_system service. */
  export const Connection = FileSystemConnection;
  /** The File_system session interface. */
  export const Session = FileSystemSession;
}
