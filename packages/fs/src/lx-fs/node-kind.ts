import type { Stats } from 'node:fs';
import type { NodeKind } from '../file-system-session.js';

/** What `lstat`, `fstat` or a directory entry says a node is. */
export function kindOf(stats: Pick<Stats, 'isFile' | 'isDirectory' | 'isSymbolicLink'>): NodeKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** Each kind as a message names it. */
export const KIND_NAMES: Readonly<Record<NodeKind, string>> = {
  file: 'a file',
  directory: 'a directory',
  symlink: 'a symbolic link',
  other: 'a device, FIFO or socket',
};
