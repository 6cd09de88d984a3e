import { ArchivePathError } from './errors.js';

/**
 * A kind of archive, after Genode's: `src` (sources), `bin` (a built component: here one architecture, `js`), `raw`
 * (data, such as content ROMs) and `pkg` (an `archives` list plus a `runtime`).
 */
export type ArchiveKind = 'src' | 'bin' | 'raw' | 'pkg';

/** Every {@link ArchiveKind}, in the order errors list them. */
export const ARCHIVE_KINDS: readonly ArchiveKind[] = ['src', 'bin', 'raw', 'pkg'];

/** The one binary architecture of this depot: component packages in JavaScript. */
export const BIN_ARCH = 'js';

/** The user placeholder Genode's pkg recipes write for "the user who publishes this" (`_/src/init`). */
export const USER_PLACEHOLDER = '_';

/** A depot path, parsed: `user/kind/name/version`, or `user/bin/js/name/version` for a binary. */
export interface ArchivePath {
  /** The archive's origin, whose public key signs it (`gapstage`). */
  readonly user: string;
  /** What the archive holds. */
  readonly kind: ArchiveKind;
  /** The archive's name (`http_server`). */
  readonly name: string;
  /** The archive's version, by Genode's custom a date (`2023-01-01`). */
  readonly version: string;
  /** The path as written, normalised: `gapstage/bin/js/http_server/2023-01-01`. */
  readonly path: string;
}

/** One part of a path: a letter or digit, then letters, digits, `.`, `_` or `-`; at most 64 characters. */
const PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What a depot name (user, archive name, version) may be, as error messages say it. */
export const DEPOT_NAME_RULE = 'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64';

/** Options of {@link parseArchivePath}. */
export interface ArchivePathOptions {
  /** Where the path was written (`gapstage/pkg/x/1/archives:3`), put in front of errors. */
  readonly where?: string;
  /** The user that Genode's `_` placeholder stands for; without it, `_` is refused. */
  readonly user?: string;
  /** The kinds accepted here; all of {@link ARCHIVE_KINDS} by default. */
  readonly kinds?: readonly ArchiveKind[];
}

function describePart(part: string): string {
  if (part === '') return 'an empty part (two slashes, or one at an end)';
  if (part === '.' || part === '..') return `"${part}", which is not a name`;
  return `"${part}", which is not a name (${DEPOT_NAME_RULE})`;
}

/**
 * Parses and checks a depot path: `user/src|raw|pkg/name/version` or `user/bin/js/name/version`. Every part must be a
 * plain name: no empty part, no `.` or `..`, no white space or other characters. Throws `ArchivePathError` naming the
 * path (and `where`) and the part that is wrong.
 */
export function parseArchivePath(text: string, options: ArchivePathOptions = {}): ArchivePath {
  const where = options.where === undefined ? '' : `${options.where}: `;
  const fail = (problem: string): never => {
    throw new ArchivePathError(`${where}archive path "${text}" ${problem}`, text);
  };
  const parts = text.split('/');
  const kinds = options.kinds ?? ARCHIVE_KINDS;
  if (parts.length < 4)
    fail('has too few parts: write user/kind/name/version, e.g. gapstage/pkg/http_server/2023-01-01');
  const [rawUser, kind] = parts as [string, string];
  if (!(ARCHIVE_KINDS as readonly string[]).includes(kind))
    fail(`has kind "${kind}": the kinds are ${ARCHIVE_KINDS.join(', ')}`);
  if (!kinds.includes(kind as ArchiveKind))
    fail(`is a ${kind} archive, which is not allowed here (${kinds.join(', ')})`);
  const expected = kind === 'bin' ? 5 : 4;
  if (parts.length !== expected)
    fail(
      kind === 'bin'
        ? `has ${parts.length} parts: write user/bin/${BIN_ARCH}/name/version`
        : `has ${parts.length} parts: write user/${kind}/name/version`,
    );
  if (kind === 'bin' && parts[2] !== BIN_ARCH)
    fail(`has architecture "${parts[2]}": this depot's binaries are "${BIN_ARCH}" (user/bin/${BIN_ARCH}/name/version)`);
  let user = rawUser;
  if (rawUser === USER_PLACEHOLDER) {
    if (options.user === undefined)
      fail('has the user placeholder "_", which only a recipe may use: a published pkg names the user');
    user = options.user as string;
  }
  for (const part of [user, ...parts.slice(kind === 'bin' ? 3 : 2)])
    if (!PART.test(part)) fail(`has ${describePart(part)}`);
  const name = parts[parts.length - 2] as string;
  const version = parts[parts.length - 1] as string;
  const path = [user, ...parts.slice(1)].join('/');
  return { user, kind: kind as ArchiveKind, name, version, path };
}

/** The depot path of archive `kind` of `user`, `name`, `version` (`user/bin/js/name/version` for a binary). */
export function archivePath(user: string, kind: ArchiveKind, name: string, version: string): ArchivePath {
  const middle = kind === 'bin' ? `bin/${BIN_ARCH}` : kind;
  return parseArchivePath(`${user}/${middle}/${name}/${version}`);
}

/** Where an archive lies for download, relative to a depot's root: `<path>.tar.gz`. */
export function archiveFileName(path: ArchivePath): string {
  return `${path.path}.tar.gz`;
}

/** Where an archive's detached signature lies, relative to a depot's root: `<path>.tar.gz.sig`. */
export function signatureFileName(path: ArchivePath): string {
  return `${path.path}.tar.gz.sig`;
}

/** Whether `text` is a valid depot name: a user, an archive's name or version ({@link DEPOT_NAME_RULE}). */
export function isDepotName(text: string): boolean {
  return PART.test(text);
}
