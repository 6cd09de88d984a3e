import type { ArchiveContent } from './archive-content.js';
import { type ArchivePath, parseArchivePath, signatureFileName } from './archive-path.js';
import { parseArchivesFile } from './archives-file.js';
import type { DepotTrust } from './depot-trust.js';
import { BadSignature, MissingArchive, PkgError, UnknownUser } from './errors.js';
import { unpackArchive } from './extract-archive.js';
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits } from './extract-limits.js';
import { type PkgRuntime, parseRuntimeFile } from './runtime-file.js';
import { SIGNATURE_LENGTH, verifyBytes } from './signing.js';

/** An archive as downloaded into quarantine: the `.tar.gz` bytes and its detached `.sig`, neither trusted yet. */
export interface SignedArchive {
  /** The `<path>.tar.gz` file's bytes. */
  readonly archive: Uint8Array;
  /** The `<path>.tar.gz.sig` file's bytes. */
  readonly signature: Uint8Array;
}

/** What a download holds so far, by depot path (`gapstage/bin/js/http_server/2023-01-01`). */
export type FetchedArchives = ReadonlyMap<string, SignedArchive>;

/** Options of {@link verifyPkg} and {@link missingArchives}. */
export interface VerifyOptions {
  /** The trusted public key of each user whose archives may be accepted. */
  readonly trust: DepotTrust;
  /** Bounds on each archive's extraction; {@link DEFAULT_EXTRACT_LIMITS} by default. */
  readonly limits?: ExtractLimits;
  /**
   * What earlier calls of one download checked already: given to each {@link missingArchives} and the final
   * {@link verifyPkg} of a pkg, it lets each archive's signature be verified and its content unpacked once.
   */
  readonly checked?: CheckedArchives;
}

/**
 * The archives of one download that were checked: each fetched archive's signature, verified with the key it was
 * verified with, and its unpacked content. Keyed by the fetched archive itself (its bytes as downloaded), so an archive
 * fetched again, or checked under another trust, is checked anew. One per pkg download; it holds nothing once the
 * download's archives are gone.
 */
export class CheckedArchives {
  readonly #verified = new WeakMap<SignedArchive, object>();
  readonly #contents = new WeakMap<SignedArchive, Promise<ArchiveContent>>();

  /** Whether `signed` was verified with `key` by this download. */
  verifiedWith(signed: SignedArchive, key: object): boolean {
    return this.#verified.get(signed) === key;
  }

  /** Notes that `signed` verified with `key`. */
  noteVerified(signed: SignedArchive, key: object): void {
    this.#verified.set(signed, key);
  }

  /** The content of `signed`, unpacked by `unpack` the first time. */
  content(signed: SignedArchive, unpack: () => Promise<ArchiveContent>): Promise<ArchiveContent> {
    let content = this.#contents.get(signed);
    if (content === undefined) this.#contents.set(signed, (content = unpack()));
    return content;
  }
}

/** The most archives one pkg may need, nested pkgs included: a bound on a hostile pkg's reach. */
export const MAX_PKG_CLOSURE = 1024;

/**
 * A pkg whose every archive has been verified against its user's trusted key and unpacked: what a download may move
 * from quarantine into the depot, and what a deploy needs (the `runtime`, the binary's archive).
 */
export interface VerifiedPkg {
  /** The pkg. */
  readonly pkg: ArchivePath;
  /** Its `runtime` file, read. */
  readonly runtime: PkgRuntime;
  /** Its `README`, when it has one. */
  readonly readme?: string;
  /** Every archive it needs, nested pkgs' included, the pkg first, each once, in the order first listed. */
  readonly archives: readonly ArchivePath[];
  /** Each archive's files, by depot path. */
  readonly contents: ReadonlyMap<string, ArchiveContent>;
  /** The `bin` archive the runtime's `binary` names, if it names one. */
  readonly binary?: ArchivePath;
}

/**
 * Checks the detached signature of `path` against the trusted key of its user. Throws `UnknownUser` when the user has
 * no trusted key, `BadSignature` when the `.sig` is no Ed25519 signature or does not verify: then the message says
 * whether another trusted user's key made it.
 */
export function verifySignature(path: ArchivePath, signed: SignedArchive, trust: DepotTrust): void {
  const key = trust.keyOf(path.user);
  if (key === undefined)
    throw new UnknownUser(
      `${path.path}: user "${path.user}" has no trusted key (trusted: ${trust.users().join(', ') || 'none'}); ` +
        `add ${path.user}'s pubkey to the trusted keys to accept its archives`,
      path.path,
    );
  if (signed.signature.length !== SIGNATURE_LENGTH)
    throw new BadSignature(
      `${path.path}: ${signatureFileName(path)} holds ${signed.signature.length} bytes, an Ed25519 signature ` +
        `${SIGNATURE_LENGTH}; it is truncated or no signature`,
      path.path,
    );
  if (verifyBytes(signed.archive, signed.signature, key)) return;
  const signer = trust.users().find((user) => {
    const other = trust.keyOf(user);
    return user !== path.user && other !== undefined && verifyBytes(signed.archive, signed.signature, other);
  });
  throw new BadSignature(
    signer === undefined
      ? `${path.path}: the signature does not verify with ${path.user}'s trusted key: the archive was changed or ` +
          'cut short, or signed with another key'
      : `${path.path}: signed with the key of "${signer}", not with ${path.user}'s trusted key`,
    path.path,
  );
}

function text(content: ArchiveContent, file: string): string | undefined {
  const bytes = content.files.get(file);
  return bytes === undefined ? undefined : new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

interface Walk {
  readonly order: ArchivePath[];
  readonly missing: ArchivePath[];
  readonly contents: Map<string, ArchiveContent>;
}

/** Follows `pkg`'s archives through nested pkgs, verifying each fetched one; `extractAll` unpacks non-pkgs too. */
async function walk(
  pkg: ArchivePath,
  fetched: FetchedArchives,
  options: VerifyOptions,
  extractAll: boolean,
): Promise<Walk> {
  const limits = options.limits ?? DEFAULT_EXTRACT_LIMITS;
  const order: ArchivePath[] = [pkg];
  const seen = new Set([pkg.path]);
  const missing: ArchivePath[] = [];
  const contents = new Map<string, ArchiveContent>();
  for (let index = 0; index < order.length; index++) {
    const path = order[index] as ArchivePath;
    const signed = fetched.get(path.path);
    if (signed === undefined) {
      missing.push(path);
      continue;
    }
    const checked = options.checked;
    const key = options.trust.keyOf(path.user);
    if (checked === undefined || key === undefined || !checked.verifiedWith(signed, key)) {
      verifySignature(path, signed, options.trust);
      if (key !== undefined) checked?.noteVerified(signed, key);
    }
    if (path.kind !== 'pkg' && !extractAll) continue;
    const unpack = () => unpackArchive(path, signed.archive, limits);
    const content = await (checked === undefined ? unpack() : checked.content(signed, unpack));
    contents.set(path.path, content);
    if (path.kind !== 'pkg') continue;
    const listing = text(content, 'archives');
    if (listing === undefined)
      throw new PkgError(`${path.path}: the pkg has no "archives" file listing what it needs`, path.path);
    for (const listed of parseArchivesFile(listing, `${path.path}/archives`)) {
      if (seen.has(listed.path)) continue;
      seen.add(listed.path);
      order.push(listed);
      if (order.length > MAX_PKG_CLOSURE)
        throw new PkgError(`${pkg.path}: needs more than ${MAX_PKG_CLOSURE} archives, nested pkgs included`, pkg.path);
    }
  }
  return { order, missing, contents };
}

function asPkg(pkg: string | ArchivePath): ArchivePath {
  return typeof pkg === 'string'
    ? parseArchivePath(pkg, { kinds: ['pkg'] })
    : parseArchivePath(pkg.path, { kinds: ['pkg'] });
}

/**
 * What a download must still fetch for `pkg`, given what it has: the pkg itself first, then the archives its verified
 * `archives` files list (nested pkgs followed once fetched). Everything fetched is verified on the way, so a list is
 * never read from an unverified pkg; a refusal throws as {@link verifyPkg} does. Empty when all is there.
 */
export async function missingArchives(
  pkg: string | ArchivePath,
  fetched: FetchedArchives,
  options: VerifyOptions,
): Promise<ArchivePath[]> {
  return (await walk(asPkg(pkg), fetched, options, false)).missing;
}

/**
 * Verifies a downloaded pkg as a whole, from bytes alone: the pkg archive's signature against its user's trusted key,
 * its `archives` and `runtime` files, then every archive it lists (nested pkgs included), each against its own user's
 * key, each unpacked with every entry checked. Returns only when everything verified; otherwise throws the first
 * refusal, naming the archive and why: `UnknownUser`, `MissingArchive` (listing all that are missing), `BadSignature`,
 * `CorruptArchive`, `ArchiveTooLarge`, `UnsafeEntry`, `PkgError`, `RuntimeFileError`, `ArchivePathError`.
 */
export async function verifyPkg(
  pkg: string | ArchivePath,
  fetched: FetchedArchives,
  options: VerifyOptions,
): Promise<VerifiedPkg> {
  const path = asPkg(pkg);
  const { order, missing, contents } = await walk(path, fetched, options, true);
  if (missing.length > 0)
    throw new MissingArchive(
      `${path.path}: ${missing.length === 1 ? 'archive' : 'archives'} ${missing.map((m) => m.path).join(', ')} ` +
        `${missing.length === 1 ? 'is' : 'are'} missing (each needs its .tar.gz and .tar.gz.sig); fetch ` +
        `${missing.length === 1 ? 'it' : 'them'} first`,
      (missing[0] as ArchivePath).path,
    );
  const top = contents.get(path.path) as ArchiveContent;
  const runtimeText = text(top, 'runtime');
  if (runtimeText === undefined)
    throw new PkgError(`${path.path}: the pkg has no "runtime" file; a deployable pkg needs one`, path.path);
  const runtime = parseRuntimeFile(runtimeText, `${path.path}/runtime`);
  const readme = text(top, 'README');
  let binary: ArchivePath | undefined;
  if (runtime.binary !== undefined) {
    const candidates = order.filter((archive) => archive.kind === 'bin' && archive.name === runtime.binary);
    if (candidates.length !== 1)
      throw new PkgError(
        `${path.path}/runtime: binary="${runtime.binary}" ${
          candidates.length === 0
            ? "names none of the pkg's bin archives"
            : `is ambiguous (${candidates.map((c) => c.path).join(', ')})`
        }; list user/bin/js/${runtime.binary}/<version> in its archives file`,
        path.path,
      );
    binary = candidates[0];
  }
  return {
    pkg: path,
    runtime,
    ...(readme === undefined ? {} : { readme }),
    archives: order,
    contents,
    ...(binary === undefined ? {} : { binary }),
  };
}

/** One file to write into the depot: its path relative to the depot's root, and its bytes. */
export interface DepotFile {
  /** `gapstage/bin/js/http_server/2023-01-01/package.json`. */
  readonly path: string;
  /** The file's bytes. */
  readonly bytes: Uint8Array;
}

/**
 * The files a verified pkg puts into the depot, each archive under its own depot path: what a download writes (into a
 * staging folder, then renamed into place, as Genode's download manager does) after {@link verifyPkg} returned.
 */
export function depotFiles(verified: VerifiedPkg): DepotFile[] {
  const files: DepotFile[] = [];
  for (const archive of verified.archives) {
    const content = verified.contents.get(archive.path);
    if (content === undefined) continue;
    for (const [path, bytes] of content.files) files.push({ path: `${archive.path}/${path}`, bytes });
  }
  return files;
}
