import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { unpackTar } from 'modern-tar';
import type { ArchiveContent } from './archive-content.js';
import type { ArchivePath } from './archive-path.js';
import { entryPath } from './entry-name.js';
import { ArchiveTooLarge, CorruptArchive, UnsafeEntry } from './errors.js';
import type { ExtractLimits } from './extract-limits.js';

const gunzipAsync = promisify(gunzip);

/**
 * Archives up to this size are gunzipped on the thread, in one call: a small archive takes microseconds that way, while
 * Node's asynchronous gunzip costs a stream and a trip through its thread pool. Larger ones go to the thread pool, so
 * that other components keep running meanwhile.
 */
const GUNZIP_ON_THREAD_BYTES = 64 * 1024;

function gunzipFailure(archive: string, error: unknown): CorruptArchive {
  const code = (error as { code?: unknown }).code;
  const why =
    code === 'Z_BUF_ERROR' || /unexpected end/i.test(String((error as Error).message))
      ? 'its gzip stream ends early (the file is truncated)'
      : `it is no valid gzip (${(error as Error).message})`;
  return new CorruptArchive(`${archive}: ${why}; nothing of the archive is extracted`, archive);
}

/** Gunzips `bytes`, refusing more than `maxBytes` of output before it is all produced. */
async function gunzipBounded(archive: string, bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  try {
    const options = { maxOutputLength: maxBytes };
    return new Uint8Array(
      bytes.length <= GUNZIP_ON_THREAD_BYTES ? gunzipSync(bytes, options) : await gunzipAsync(bytes, options),
    );
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ArchiveTooLarge(
        `${archive}: unpacks to more than ${maxBytes} bytes (the limit); nothing of the archive is extracted`,
        archive,
      );
    throw gunzipFailure(archive, error);
  }
}

/**
 * Unpacks a `.tar.gz` already known to be the user's (its signature verified): every entry is checked before anything
 * is returned. Refused, each with a typed error naming archive and entry: corrupt or truncated gzip or tar, more than
 * the limits, names that are absolute, climb out with `..`, or lie outside the archive's version folder, symlinks, hard
 * links, devices and FIFOs, a name given twice, a file where a folder is needed.
 */
export async function unpackArchive(
  archive: ArchivePath,
  bytes: Uint8Array,
  limits: ExtractLimits,
): Promise<ArchiveContent> {
  const tar = await gunzipBounded(archive.path, bytes, limits.maxBytes);
  let entries: Awaited<ReturnType<typeof unpackTar>>;
  try {
    entries = await unpackTar(tar, { strict: true });
  } catch (error) {
    throw new CorruptArchive(
      `${archive.path}: its tar is damaged (${(error as Error).message}); nothing of the archive is extracted`,
      archive.path,
    );
  }
  if (entries.length > limits.maxEntries)
    throw new ArchiveTooLarge(
      `${archive.path}: holds ${entries.length} entries, more than the limit of ${limits.maxEntries}; nothing of ` +
        'the archive is extracted',
      archive.path,
    );
  if (entries.length === 0)
    throw new CorruptArchive(
      `${archive.path}: holds no entry; an archive holds its folder "${archive.version}/"`,
      archive.path,
    );
  const files = new Map<string, Uint8Array>();
  const directories = new Set<string>();
  const refuse = (name: string, why: string): never => {
    throw new UnsafeEntry(
      `${archive.path}: entry "${name}" ${why}; nothing of the archive is extracted`,
      archive.path,
      name,
    );
  };
  for (const { header, data } of entries) {
    const type = header.type ?? 'file';
    const path = entryPath(header.name, archive.version, archive.path);
    if (type === 'symlink') refuse(header.name, `is a symbolic link (to "${header.linkname ?? ''}")`);
    if (type === 'link') refuse(header.name, `is a hard link (to "${header.linkname ?? ''}")`);
    if (type !== 'file' && type !== 'directory') refuse(header.name, `is a ${type}, not a file or folder`);
    if (files.has(path) || directories.has(path)) refuse(header.name, 'is given twice');
    if (type === 'directory') {
      if (path !== '') directories.add(path);
    } else {
      if (path === '') refuse(header.name, "is a file where the archive's folder belongs");
      files.set(path, data ?? new Uint8Array(0));
    }
  }
  for (const path of files.keys()) {
    const parts = path.split('/');
    for (let end = 1; end < parts.length; end++) {
      const folder = parts.slice(0, end).join('/');
      if (files.has(folder))
        refuse(`${archive.version}/${path}`, `lies under "${archive.version}/${folder}", which is a file`);
      directories.add(folder);
    }
  }
  for (const folder of directories)
    if (files.has(folder)) refuse(`${archive.version}/${folder}`, 'is both a file and a folder');
  const sortedFiles = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { archive, files: sortedFiles, directories: [...directories].sort() };
}
