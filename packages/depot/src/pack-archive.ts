import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import { type TarEntry, packTar } from 'modern-tar';
import { entryPath } from './entry-name.js';

const gzipAsync = promisify(gzip);

/** The modification time every entry gets: the same folder packs to the same bytes. */
const EPOCH = new Date(0);

/**
 * Packs `files` (bytes by path inside the archive's folder, `dist/main.js`) as a `.tar.gz` whose entries lie in one
 * folder named `root` (the archive's version, as Genode's `tar -C <dir> <version>`). Deterministic: entries sorted,
 * folders listed, mtime 0, modes 0644/0755, owner 0:0 without names, gzip at level 9 with no name or time, so the
 * same files give the same bytes. Paths are checked as extraction checks them.
 */
export async function packArchive(root: string, files: ReadonlyMap<string, Uint8Array>): Promise<Uint8Array> {
  const directories = new Set<string>([root]);
  const names: string[] = [];
  for (const path of files.keys()) {
    const name = `${root}/${path}`;
    entryPath(name, root, root);
    const parts = name.split('/');
    for (let end = 1; end < parts.length; end++) directories.add(parts.slice(0, end).join('/'));
    names.push(name);
  }
  const owner = { mtime: EPOCH, uid: 0, gid: 0, uname: '', gname: '' };
  const entries: TarEntry[] = [
    ...[...directories].map((name) => ({
      header: { ...owner, name: `${name}/`, type: 'directory' as const, size: 0, mode: 0o755 },
    })),
    ...names.map((name) => {
      const body = files.get(name.slice(root.length + 1)) as Uint8Array;
      return { header: { ...owner, name, type: 'file' as const, size: body.length, mode: 0o644 }, body };
    }),
  ].sort((a, b) => (a.header.name < b.header.name ? -1 : a.header.name > b.header.name ? 1 : 0));
  const tar = await packTar(entries);
  return new Uint8Array(await gzipAsync(tar, { level: constants.Z_BEST_COMPRESSION }));
}
