import {
  type ArchivePath,
  DepotError,
  MAX_PKG_ARCHIVES,
  MAX_PKG_CLOSURE,
  MAX_RUNTIME_FILE,
  type PkgRuntime,
  parseArchivesFile,
  parseRuntimeFile,
} from '@os/depot';
import { FileSystemError, type FileSystemConnection, LookupFailed } from '@os/fs';
import { hasErrorCode } from '@os/kernel';

/** A pkg as deploy finds it in the local depot. */
export type DepotPkg =
  /** The pkg and every archive it needs are there: what its start node is made of. */
  | { readonly kind: 'present'; readonly runtime: PkgRuntime; readonly binary: ArchivePath }
  /** The pkg, or an archive it needs, is not there yet: the download must fetch it. */
  | { readonly kind: 'missing'; readonly archive: string }
  /** It is there but cannot be deployed: a `runtime` or `archives` file that does not parse, no binary. */
  | { readonly kind: 'broken'; readonly reason: string };

/** The longest `archives` file read: {@link MAX_PKG_ARCHIVES} lines of long paths. */
const MAX_ARCHIVES_FILE = MAX_PKG_ARCHIVES * 400;

/**
 * The text of depot file `path`, refused past `limit` bytes; `undefined` when it is not there (a value, not an error:
 * a pkg not downloaded yet is looked up at every step of its download).
 */
async function readBounded(
  fs: FileSystemConnection,
  archive: string,
  path: string,
  limit: number,
): Promise<string | undefined> {
  try {
    const status = await fs.stat(path);
    if (status.kind !== 'file') throw new DepotError(`${path.slice(1)} is no file`, archive);
    if (status.size > limit)
      throw new DepotError(`${path.slice(1)} has ${status.size} bytes, more than deploy reads (${limit})`, archive);
    return await fs.readText(path);
  } catch (error) {
    if (hasErrorCode(error, LookupFailed.code)) return undefined;
    throw error;
  }
}

/** Whether archive folder `archive` is in the depot. */
async function present(fs: FileSystemConnection, archive: string): Promise<boolean> {
  try {
    return (await fs.stat(`/${archive}`)).kind === 'directory';
  } catch (error) {
    if (hasErrorCode(error, LookupFailed.code)) return false;
    throw error;
  }
}

/** The bin archive the pkg's component runs: the one the runtime's `binary` names, else the pkg's only one. */
function binaryOf(pkg: ArchivePath, runtime: PkgRuntime, closure: readonly ArchivePath[]): ArchivePath {
  const bins = closure.filter((archive) => archive.kind === 'bin');
  const candidates = runtime.binary === undefined ? bins : bins.filter((bin) => bin.name === runtime.binary);
  if (candidates.length === 1) return candidates[0] as ArchivePath;
  const wanted =
    runtime.binary === undefined ? 'the pkg names no binary in its runtime and' : `binary="${runtime.binary}"`;
  throw new DepotError(
    `${pkg.path}/runtime: ${wanted} ${
      candidates.length === 0 ? "matches none of the pkg's bin archives" : `matches ${candidates.length} bin archives`
    } (${bins.map((bin) => bin.path).join(', ') || 'none listed'}); list exactly one user/bin/js/<name>/<version>`,
    pkg.path,
  );
}

/**
 * Looks `pkg` up in the local depot through a File_system session whose root is the depot: its `archives` (nested pkgs
 * followed) and `runtime` files, and a folder for every archive it needs. Only reads; never follows a path out of the
 * depot (lx_fs refuses it). A File_system failure other than a missing node counts as `broken`, with its message.
 */
export async function lookUpPkg(fs: FileSystemConnection, pkg: ArchivePath): Promise<DepotPkg> {
  try {
    const closure: ArchivePath[] = [pkg];
    const seen = new Set([pkg.path]);
    for (let index = 0; index < closure.length; index++) {
      const archive = closure[index] as ArchivePath;
      if (archive.kind !== 'pkg') {
        if (!(await present(fs, archive.path))) return { kind: 'missing', archive: archive.path };
        continue;
      }
      const listing = await readBounded(fs, archive.path, `/${archive.path}/archives`, MAX_ARCHIVES_FILE);
      if (listing === undefined) return { kind: 'missing', archive: archive.path };
      for (const listed of parseArchivesFile(listing, `${archive.path}/archives`)) {
        if (seen.has(listed.path)) continue;
        seen.add(listed.path);
        closure.push(listed);
        if (closure.length > MAX_PKG_CLOSURE)
          throw new DepotError(`${pkg.path}: needs more than ${MAX_PKG_CLOSURE} archives, nested pkgs included`);
      }
    }
    const text = await readBounded(fs, pkg.path, `/${pkg.path}/runtime`, MAX_RUNTIME_FILE);
    if (text === undefined) return { kind: 'missing', archive: pkg.path };
    const runtime = parseRuntimeFile(text, `${pkg.path}/runtime`);
    return { kind: 'present', runtime, binary: binaryOf(pkg, runtime, closure) };
  } catch (error) {
    if (error instanceof DepotError || error instanceof FileSystemError)
      return { kind: 'broken', reason: `${error.name}: ${error.message}` };
    throw error;
  }
}
