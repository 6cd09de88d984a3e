import type { ArchivePath } from './archive-path.js';

/** The files of one extracted archive, by path inside its version folder (`dist/main.js`, `package.json`). */
export interface ArchiveContent {
  /** The archive. */
  readonly archive: ArchivePath;
  /** Each file's bytes by its path inside the archive's folder, sorted by path. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The folders inside the archive's folder (`dist`), sorted; empty ones included. */
  readonly directories: readonly string[];
}
