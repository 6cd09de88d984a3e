import { type DirHandle, type FileSystemConnection, NoSpace, NodeAlreadyExists } from '@os/fs';
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
 * of a complete staging copy, so a crash never leaves a half-extracted archive under its depot path; a pkg's folder
 * goes in last, after every archive it lists.
 */
export class LocalDepot {
  readonly #fs: FileSystemConnection;
  readonly #depot: string;
  readonly #quarantine: string;
  /** Files and staging folders made in this quarantine: each gets a name of its own, all in the one folder. */
  #made = 0;

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
   * dot.
   */
  slot(index: number): LocalDepot {
    return new LocalDepot(this.#fs, this.#depot, `${this.#quarantine}/.${index}`);
  }

  /** Removes this quarantine's folder with everything in it (a slot's, after its pkg). */
  async removeQuarantine(): Promise<void> {
    if (this.#made > 0 && (await this.#fs.exists(this.#quarantine))) await this.#fs.remove(this.#quarantine);
    this.#made = 0;
  }

  /** A new name in the quarantine's folder (made with the first), ending in `suffix`. */
  async #newName(suffix: string): Promise<string> {
    if (this.#made === 0) await this.#fs.mkdirp(this.#quarantine);
    this.#made += 1;
    return `${this.#made}${suffix}`;
  }

  /** Empties the quarantine (made when missing). */
  async clearQuarantine(): Promise<void> {
    await this.#fs.mkdirp(this.#quarantine);
    for (const entry of await this.#fs.list(this.#quarantine))
      await this.#fs.remove(`${this.#quarantine}/${entry.name}`);
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
    const fileName = await this.#newName(name.endsWith('.sig') ? '.tar.gz.sig' : '.tar.gz');
    const path = `${this.#quarantine}/${fileName}`;
    const dir = await this.#fs.dir(this.#quarantine);
    const chunks: Uint8Array[] = [];
    let position = 0;
    try {
      const file = await this.#createFile(dir, fileName);
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
    } finally {
      await this.#fs.closeHandle(dir);
    }
    return concat(chunks, position);
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

  /**
   * Moves a verified pkg into the depot: each archive not there yet is written into a staging folder in the
   * quarantine (each file synced), then renamed into its depot path; listed archives first, the pkg last.
   * Answers the archives it put in place.
   */
  async install(verified: VerifiedPkg): Promise<string[]> {
    const installed: string[] = [];
    for (const archive of [...verified.archives].reverse()) {
      const content = verified.contents.get(archive.path);
      if (content === undefined || (await this.has(archive.path))) continue;
      const staging = `${this.#quarantine}/${await this.#newName(STAGING)}`;
      await this.#fs.mkdir(staging);
      // sorted: each folder after its parent
      for (const folder of content.directories) await this.#fs.mkdir(`${staging}/${folder}`);
      const byFolder = new Map<string, [string, Uint8Array][]>();
      for (const [path, bytes] of content.files) {
        const slash = path.lastIndexOf('/');
        const folder = slash < 0 ? staging : `${staging}/${path.slice(0, slash)}`;
        let files = byFolder.get(folder);
        if (files === undefined) byFolder.set(folder, (files = []));
        files.push([path.slice(slash + 1), bytes]);
      }
      for (const [folder, files] of byFolder) {
        const dir = await this.#fs.dir(folder);
        try {
          // each file is on disk before its archive's folder is renamed into the depot
          for (const [name, bytes] of files) await this.#writeSynced(dir, name, bytes, `${folder}/${name}`);
        } finally {
          await this.#fs.closeHandle(dir);
        }
      }
      const destination = `${this.#depot}/${archive.path}`;
      await this.#fs.mkdirp(parentOf(destination));
      await this.#fs.rename(staging, destination);
      installed.push(archive.path);
    }
    return installed;
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
