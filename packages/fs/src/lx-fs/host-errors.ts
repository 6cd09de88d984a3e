import { OutOfRam } from '@os/session';
import {
  type FileSystemError,
  InvalidName,
  LookupFailed,
  NameTooLong,
  NoSpace,
  NodeAlreadyExists,
  NotEmpty,
  PermissionDenied,
  Unavailable,
} from '../file-system-errors.js';

/** The `code` of a Node system error (`ENOENT`), or undefined for anything else. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  // errno names only: not the `ERR_...` codes of Node's own errors and of typed errors
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * The typed File_system error for a host system error of an operation on `what` (`file "/a/b"`), as Genode's lx_fs
 * maps `errno`. The message names the session path only: the host's paths stay the server's. Anything that is not a
 * host error is thrown on as it is (a bug of the server, reported by the entrypoint).
 */
export function hostError(error: unknown, what: string): FileSystemError | OutOfRam {
  const code = errnoOf(error);
  switch (code) {
    case 'ENOENT':
      return new LookupFailed(`${what}: no such file or directory`);
    case 'ENOTDIR':
      return new LookupFailed(`${what}: a path element is not a directory`);
    case 'EISDIR':
      return new LookupFailed(`${what}: is a directory`);
    case 'EEXIST':
      return new NodeAlreadyExists(`${what}: a node of that name exists`);
    case 'ENOTEMPTY':
      return new NotEmpty(`${what}: the directory is not empty; remove what is in it first`);
    case 'ELOOP':
      return new PermissionDenied(`${what}: is a symbolic link, which lx_fs never follows`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new PermissionDenied(`${what}: the host denies access (${code})`);
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return new NoSpace(`${what}: the host has no room for it (${code})`);
    case 'ENAMETOOLONG':
      return new NameTooLong(`${what}: the host's path would be too long`);
    case 'EINVAL':
      return new InvalidName(`${what}: the host refuses the operation (a directory moved into itself?)`);
    case 'EMFILE':
    case 'ENFILE':
    case 'ENOMEM':
      return new OutOfRam(`${what}: the server has no file descriptor or memory left (${code}); try again later`);
    case undefined:
      throw error;
    default:
      return new Unavailable(`${what}: the host failed (${code}); try again later`);
  }
}
