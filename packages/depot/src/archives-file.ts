import { type ArchivePath, parseArchivePath } from './archive-path.js';
import { PkgError } from './errors.js';

/** The most archives one pkg may list: a bound on what a hostile pkg can make a download fetch. */
export const MAX_PKG_ARCHIVES = 256;

/** Options of {@link parseArchivesFile}. */
export interface ArchivesFileOptions {
  /** The user Genode's `_` placeholder stands for; without it, `_` is refused (a published pkg names users). */
  readonly user?: string;
}

/**
 * Reads a pkg's `archives` file, Genode's form: one depot path a line (`gapstage/bin/js/http_server/2023-01-01`),
 * blank lines ignored. `origin` names the file in errors, which carry the line. A path listed twice, a `bin` of another
 * architecture, or more than {@link MAX_PKG_ARCHIVES} lines are refused.
 */
export function parseArchivesFile(text: string, origin: string, options: ArchivesFileOptions = {}): ArchivePath[] {
  const archives: ArchivePath[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '') continue;
    const where = `${origin}:${index + 1}`;
    const path = parseArchivePath(line, { where, ...(options.user === undefined ? {} : { user: options.user }) });
    if (seen.has(path.path)) throw new PkgError(`${where}: "${path.path}" is listed twice; list it once`, origin);
    seen.add(path.path);
    archives.push(path);
    if (archives.length > MAX_PKG_ARCHIVES)
      throw new PkgError(`${where}: more than ${MAX_PKG_ARCHIVES} archives; a pkg lists at most that many`, origin);
  }
  if (archives.length === 0) throw new PkgError(`${origin}: lists no archive; write one depot path a line`, origin);
  return archives;
}

/** The text of an `archives` file listing `archives`, one a line. */
export function formatArchivesFile(archives: readonly ArchivePath[]): string {
  return archives.map((archive) => `${archive.path}\n`).join('');
}
