import { resolve, sep } from 'node:path';

/** A `.` or `..` segment, which a path must lose (`resolve`) before its prefix says where it lies. */
const DOT_SEGMENT = /(^|[\\/])\.\.?([\\/]|$)/;

/**
 * Whether the absolute `path` is `folder` itself or lies below it: what keeps a package's entry, its modules and the
 * packages a depot archive imports inside the folder they came in. `folder` is normalised (a real path); `path` is
 * normalised first only when it has a `.` or `..` segment (what `resolve`, `realpath` and `fileURLToPath` give has
 * none), so the common case is a prefix comparison.
 */
export function isInside(folder: string, path: string): boolean {
  const normal = DOT_SEGMENT.test(path) ? resolve(path) : path;
  if (!normal.startsWith(folder)) return false;
  return normal.length === folder.length || folder.endsWith(sep) || normal[folder.length] === sep;
}
