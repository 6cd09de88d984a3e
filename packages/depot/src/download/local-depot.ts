import { type DirHandle, type FileSystemConnection, LookupFailed, NoSpace, NodeAlreadyExists } from '@os/fs';
import { hasErrorCode } from '@os/kernel';
import type { ArchivePath } from '../archive-path.js';
import { parseArchivesFile } from '../archives-file.js';
import type { VerifiedPkg } from '../verify-pkg.js';

/** The ending of the staging copy of an archive in the quarantine, before its folder is renamed into the depot. */
const STAGING = '-staging';

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

/**
 * The local depot and the quarantine in one File_system session: what is there, what a download stores while it is
 * unverified, and the move of verified archives into place. An archive's folder appears in the depot by one rename
 * of a complete staging copy whose every file was synced first, so a crash never leaves a half-extracted archive under
 * its depot path; a pkg's folder goes in last, after every archive it lists. The quarantine is never synced: it is
 * emptied at every start.
 */
export class LocalDepot {
  readonly #fs: FileSystemConnection;
  readonly #depot: string;
  readonly #quarantine: string;
  /** The slots made by `slot`, by index: each keeps its folder and its names across pkgs. */
  readonly #slots = new Map<number, LocalDepot>();
  /** Files and staging folders made in this quarantine: each gets a name of its own, all in the one folder. */
  #made = 0;
  /** Whether this quarantine's folder was made (by this object: `prepare` empties the quarantine at start). */
  #folderMade = false;
  /** The quarantine folder's handle, open from the first download of a pkg until `removeQuarantine`. */
  #folder: DirHandle | undefined;
  /** The downloads stored since the last `removeQuarantine`, by name in the folder. */
  readonly #downloads: string[] = [];
  /** The staging folders of extractions that did not reach the depot, by name in the folder. */
  readonly #leftovers = new Set<string>();

  /** The depot at folder `depot`, downloads waiting in `quarantine`, both in the session of `fs`. */
  constructor(fs: FileSystemConnection, depot: string, quarantine: string) {
    this.#fs = fs;
    this.#depot = depot;
    this.#quarantine = quarantine;
  }

  /** Makes both folders, and empties the quarantine of what a previous run left (a crash mid-download). */
  async prepare(): Promise<void> {
    await this.#fs.mkdirp(this.#depot);
    await this.clearQuarantine();
  }

  /** Whether the archive's folder is in the depot. */
  async has(path: string): Promise<boolean> {
    return this.#fs.exists(`${this.#depot}/${path}`);
  }

  /**
   * The archives of `pkg` (the pkg first, nested pkgs followed) when all of them are in the depot; `null` when any is
   * not. The `archives` files read here were verified when they were extracted.
   */
  async complete(pkg: ArchivePath): Promise<string[] | null> {
    const order = [pkg];
    const seen = new Set([pkg.path]);
    for (let index = 0; index < order.length; index++) {
      const archive = order[index] as ArchivePath;
      if (!(await this.has(archive.path))) return null;
      if (archive.kind !== 'pkg') continue;
      const listing = await this.#fs.readText(`${this.#depot}/${archive.path}/archives`).catch(() => null);
      if (listing === null) return null;
      let listed: ArchivePath[];
      try {
        listed = parseArchivesFile(listing, `${archive.path}/archives`);
      } catch {
        return null; // changed on the host since it was verified: the pkg is fetched again
      }
      for (const path of listed) {
        if (seen.has(path.path)) continue;
        seen.add(path.path);
        order.push(path);
      }
    }
    return order.map((archive) => archive.path);
  }

  /**
   * The same depot with the quarantine's folder `.<index>` as its quarantine: one download's own, so that pkgs
   * fetched at once (which may share archives) never touch each other's files. No depot user's name starts with a
   * dot. The same index gives the same slot, whose folder is made once and emptied after each pkg.
   */
  slot(index: number): LocalDepot {
    let slot = this.#slots.get(index);
    if (slot === undefined)
      this.#slots.set(index, (slot = new LocalDepot(this.#fs, this.#depot, `${this.#quarantine}/.${index}`)));
    return slot;
  }

  /**
   * Empties this quarantine's folder of what the last pkg left (its downloads, a staging folder whose extraction
   * failed) and closes the folder's handle; the folder stays for the next pkg.
   */
  async removeQuarantine(): Promise<void> {
    const folder = this.#folder;
    if (folder === undefined) return;
    this.#folder = undefined;
    try {
      for (const name of this.#downloads.splice(0)) await this.#unlinkIfThere(folder, name);
      for (const name of this.#leftovers) await this.#fs.remove(`${this.#quarantine}/${name}`);
      this.#leftovers.clear();
    } finally {
      await this.#fs.closeHandle(folder);
    }
  }

  /** Empties the quarantine (made when missing). */
  async clearQuarantine(): Promise<void> {
    await this.#fs.mkdirp(this.#quarantine);
    for (const entry of await this.#fs.list(this.#quarantine))
      await this.#fs.remove(`${this.#quarantine}/${entry.name}`);
    for (const slot of this.#slots.values()) slot.#folderMade = false;
  }

  /**
   * Stores a download in the quarantine: `name` (`gapstage/bin/js/x/1.tar.gz`) gives the ending of the file's name
   * there (`3.tar.gz`, `4.tar.gz.sig`); all files lie in the quarantine's one folder. `fill` writes its bytes, in
   * order, through the function it is given. Answers the bytes stored (kept as they were written: what is verified
   * is what lies in the quarantine). Not synced: the quarantine is emptied at every start, so a crash leaves nothing
   * in it that counts.
   */
  async quarantine(
    name: string,
    fill: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>,
  ): Promise<Uint8Array> {
    const folder = await this.#openFolder();
    const fileName = `${++this.#made}${name.endsWith('.sig') ? '.tar.gz.sig' : '.tar.gz'}`;
    const path = `${this.#quarantine}/${fileName}`;
    const chunks: Uint8Array[] = [];
    let position = 0;
    const file = await this.#createFile(folder, fileName);
    this.#downloads.push(fileName);
    try {
      await fill(async (chunk) => {
        const written = await this.#fs.write(file, position, chunk);
        if (written < chunk.length)
          throw new NoSpace(
            `${path}: the file system stored ${written} of ${chunk.length} bytes; free some space in the gateway's ` +
              'storage',
          );
        position += written;
        chunks.push(chunk.slice());
      });
    } finally {
      await this.#fs.closeHandle(file);
    }
    return concat(chunks, position);
  }

  /**
   * Moves a verified pkg into the depot: each archive not there yet is written into a staging folder in the
   * quarantine (each folder's files through the handle that made it, each file synced), then renamed into its depot
   * path; listed archives first, the pkg last. Answers the archives it put in place.
   */
  async install(verified: VerifiedPkg): Promise<string[]> {
    const installed: string[] = [];
    for (const archive of [...verified.archives].reverse()) {
      const content = verified.contents.get(archive.path);
      if (content === undefined || (await this.has(archive.path))) continue;
      const folder = await this.#openFolder();
      const staging = `${++this.#made}${STAGING}`;
      this.#leftovers.add(staging);
      const byFolder = new Map<string, [string, Uint8Array][]>([['', []]]);
      for (const directory of content.directories) byFolder.set(directory, []);
      for (const [path, bytes] of content.files) {
        const slash = path.lastIndexOf('/');
        const directory = slash < 0 ? '' : path.slice(0, slash);
        let files = byFolder.get(directory);
        // extractArchive lists every file's folder; were one missing, its making fails below (LookupFailed)
        if (files === undefined) byFolder.set(directory, (files = []));
        files.push([path.slice(slash + 1), bytes]);
      }
      // sorted: each folder after its parent; made, filled and closed one at a time
      for (const [directory, files] of byFolder) {
        const path =
          directory === '' ? `${this.#quarantine}/${staging}` : `${this.#quarantine}/${staging}/${directory}`;
        const dir = await this.#fs.dir(path, true);
        try {
          // each file is on disk before its archive's folder is renamed into the depot
          for (const [name, bytes] of files) await this.#writeSynced(dir, name, bytes, `${path}/${name}`);
        } finally {
          await this.#fs.closeHandle(dir);
        }
      }
      const destination = `${this.#depot}/${archive.path}`;
      const parent = await this.#madeDir(parentOf(destination));
      try {
        await this.#fs.move(folder, staging, parent, destination.slice(destination.lastIndexOf('/') + 1));
      } finally {
        await this.#fs.closeHandle(parent);
      }
      this.#leftovers.delete(staging);
      installed.push(archive.path);
    }
    return installed;
  }

  /** The quarantine folder's handle, opened for the pkg under way; the folder is made at the first use. */
  async #openFolder(): Promise<DirHandle> {
    if (this.#folder !== undefined) return this.#folder;
    if (this.#folderMade) this.#folder = await this.#fs.dir(this.#quarantine);
    else {
      this.#folder = await this.#madeDir(this.#quarantine);
      this.#folderMade = true;
    }
    return this.#folder;
  }

  /**
   * A handle to the folder at `path`, made (with the folders above it) when missing. Made first, looked up when it is
   * there: the folders this makes (a new archive's, a slot's) are mostly missing, and one call makes and opens one.
   */
  async #madeDir(path: string): Promise<DirHandle> {
    try {
      return await this.#fs.dir(path, true);
    } catch (error) {
      if (hasErrorCode(error, NodeAlreadyExists.code)) return this.#fs.dir(path);
      if (!hasErrorCode(error, LookupFailed.code) || path === '/') throw error;
    }
    await this.#fs.closeHandle(await this.#madeDir(parentOf(path)));
    try {
      return await this.#fs.dir(path, true);
    } catch (error) {
      if (!hasErrorCode(error, NodeAlreadyExists.code)) throw error;
      return this.#fs.dir(path);
    }
  }

  /** Removes `name` from `dir`; one that is gone already is fine. */
  async #unlinkIfThere(dir: DirHandle, name: string): Promise<void> {
    try {
      await this.#fs.unlink(dir, name);
    } catch (error) {
      if (!hasErrorCode(error, LookupFailed.code)) throw error;
    }
  }

  /** A new file `name` in `dir`, opened write-only; one there already (an earlier attempt's) is replaced. */
  async #createFile(dir: DirHandle, name: string) {
    try {
      return await this.#fs.file(dir, name, 'write-only', true);
    } catch (error) {
      if (!hasErrorCode(error, NodeAlreadyExists.code)) throw error;
      await this.#fs.unlink(dir, name);
      return this.#fs.file(dir, name, 'write-only', true);
    }
  }

  /** Writes new file `name` in `dir` (at `path`, for messages) whole and syncs it. */
  async #writeSynced(dir: DirHandle, name: string, bytes: Uint8Array, path: string): Promise<void> {
    const file = await this.#fs.file(dir, name, 'write-only', true);
    try {
      const written = await this.#fs.write(file, 0, bytes);
      if (written < bytes.length)
        throw new NoSpace(
          `${path}: the file system stored ${written} of ${bytes.length} bytes; free some space in the gateway's ` +
            'storage',
        );
      await this.#fs.sync(file);
    } finally {
      await this.#fs.closeHandle(file);
    }
  }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}
