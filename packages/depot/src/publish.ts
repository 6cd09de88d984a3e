import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MODULE_START_QUOTA, readComponentManifest } from '@os/loader';
import { type ArchivePath, archiveFileName, archivePath, signatureFileName } from './archive-path.js';
import { formatArchivesFile } from './archives-file.js';
import { DepotKeyError, PublishError } from './errors.js';
import { DEFAULT_EXTRACT_LIMITS } from './extract-limits.js';
import { defaultKeyFile } from './key-files.js';
import { packArchive } from './pack-archive.js';
import { formatRuntimeFile, parseRuntimeFile } from './runtime-file.js';
import { readPrivateKey, readPublicKey, signBytes, verifyBytes } from './signing.js';

/** Options of {@link publish}. */
export interface PublishOptions {
  /** The depot user who publishes (their key signs). */
  readonly user: string;
  /** The version of both archives, by Genode's custom a date (`2023-01-01`). */
  readonly version: string;
  /** The depot folder written into. */
  readonly depot: string;
  /** The user's private key file; {@link defaultKeyFile} by default. */
  readonly key?: string;
  /** The archive name; by default the package's npm name without its scope. */
  readonly name?: string;
}

/** What {@link publish} wrote, relative to the depot. */
export interface PublishResult {
  /** The component's archive, `user/bin/js/<name>/<version>`. */
  readonly bin: ArchivePath;
  /** The pkg, `user/pkg/<name>/<version>`, listing the bin archive. */
  readonly pkg: ArchivePath;
  /** The `.tar.gz` files written (each with its `.sig` beside it), bin first. */
  readonly archives: readonly string[];
}

/** Folders and files a component folder's archive leaves out: installed dependencies and dot files. */
function leftOut(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.');
}

/** The files of `folder`, by relative path, sorted; symlinks and special files refused. */
function collect(folder: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let bytes = 0;
  const visit = (relative: string): void => {
    for (const name of readdirSync(join(folder, relative)).sort()) {
      if (leftOut(name)) continue;
      const path = relative === '' ? name : `${relative}/${name}`;
      const stat = lstatSync(join(folder, path));
      if (stat.isSymbolicLink())
        throw new PublishError(`${join(folder, path)} is a symbolic link; an archive holds files and folders only`);
      if (stat.isDirectory()) visit(path);
      else if (stat.isFile()) {
        const content = new Uint8Array(readFileSync(join(folder, path)));
        bytes += content.length;
        files.set(path, content);
      } else
        throw new PublishError(`${join(folder, path)} is no file or folder; an archive holds files and folders only`);
      if (files.size > DEFAULT_EXTRACT_LIMITS.maxEntries / 2 || bytes > DEFAULT_EXTRACT_LIMITS.maxBytes / 2)
        throw new PublishError(
          `${folder} holds more than a downloader extracts (${DEFAULT_EXTRACT_LIMITS.maxEntries / 2} files, ` +
            `${DEFAULT_EXTRACT_LIMITS.maxBytes / 2} bytes); bundle the component`,
        );
    }
  };
  visit('');
  return files;
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new PublishError(`${file} cannot be read: a component folder holds a package.json with "osComponent"`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new PublishError(`${file} is no JSON object`);
}

/** The runtime file for the pkg: the folder's own `runtime`, checked, or one made from the component's manifest. */
function runtimeText(folder: string, name: string, packageJson: Record<string, unknown>): string {
  const own = join(folder, 'runtime');
  let manifest: ReturnType<typeof readComponentManifest>;
  try {
    manifest = readComponentManifest(packageJson, join(folder, 'package.json'));
  } catch (error) {
    throw new PublishError((error as Error).message);
  }
  if (existsSync(own)) {
    const text = readFileSync(own, 'utf8');
    const runtime = parseRuntimeFile(text, own);
    if (runtime.binary !== undefined && runtime.binary !== name)
      throw new PublishError(`${own}: binary="${runtime.binary}", but the archive is named "${name}"; make them agree`);
    return text;
  }
  return formatRuntimeFile({
    ram: manifest.ram ?? MODULE_START_QUOTA.ram,
    caps: manifest.caps ?? MODULE_START_QUOTA.caps,
    binary: name,
    requires: manifest.requires,
    provides: manifest.provides,
  });
}

/** Reads the user's private key and checks it against the depot's `<user>/pubkey`. */
function signingKey(depot: string, user: string, keyFile: string): ReturnType<typeof readPrivateKey> {
  const pubkeyFile = join(depot, user, 'pubkey');
  if (!existsSync(pubkeyFile))
    throw new DepotKeyError(`${pubkeyFile} does not exist; run "os depot keygen ${user} --depot ${depot}" first`, user);
  if (!existsSync(keyFile))
    throw new DepotKeyError(`${keyFile} does not exist: give the private key of ${user} with --key FILE`, keyFile);
  const key = readPrivateKey(readFileSync(keyFile, 'utf8'), keyFile);
  const probe = new TextEncoder().encode(`os depot publish ${user}`);
  if (!verifyBytes(probe, signBytes(probe, key), readPublicKey(readFileSync(pubkeyFile, 'utf8'), pubkeyFile)))
    throw new DepotKeyError(
      `${keyFile} is not the private key of ${pubkeyFile}; give ${user}'s key with --key`,
      keyFile,
    );
  return key;
}

function write(file: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes, { flag: 'wx' });
}

/**
 * `os depot publish`: packs a component package folder (its package.json with `osComponent`, its modules; without
 * `node_modules` and dot files) as `user/bin/js/<name>/<version>`, and a pkg `user/pkg/<name>/<version>` listing it,
 * with a `runtime` from the folder's `runtime` file or else from the manifest (ram, caps, requires, provides) and a
 * `README`. Each is written extracted (the depot's folder) and as `.tar.gz` with a detached Ed25519 `.sig`. Refuses a
 * version that exists (published versions do not change), a key that does not match `<user>/pubkey`, a symlink.
 */
export async function publish(folder: string, options: PublishOptions): Promise<PublishResult> {
  const packageJson = readJson(join(folder, 'package.json'));
  const npmName = typeof packageJson.name === 'string' ? packageJson.name : '';
  const name = options.name ?? npmName.replace(/^@[^/]*\//, '');
  if (name === '') throw new PublishError(`${join(folder, 'package.json')} has no "name"; give --name`);
  const bin = archivePath(options.user, 'bin', name, options.version);
  const pkg = archivePath(options.user, 'pkg', name, options.version);
  for (const archive of [bin, pkg])
    for (const file of [archive.path, archiveFileName(archive)])
      if (existsSync(join(options.depot, file)))
        throw new PublishError(
          `${join(options.depot, file)} exists: ${archive.path} is published, and a published version does not ` +
            'change; publish a new version',
          archive.path,
        );
  const key = signingKey(options.depot, options.user, options.key ?? defaultKeyFile(options.user));
  const runtime = runtimeText(folder, name, packageJson);
  const binFiles = collect(folder);
  const description = typeof packageJson.description === 'string' ? packageJson.description : npmName;
  const pkgFiles = new Map<string, Uint8Array>([
    ['README', new TextEncoder().encode(`${name}: ${description}\n`)],
    ['archives', new TextEncoder().encode(formatArchivesFile([bin]))],
    ['runtime', new TextEncoder().encode(runtime)],
  ]);
  const archives: string[] = [];
  for (const [archive, files] of [
    [bin, binFiles],
    [pkg, pkgFiles],
  ] as const) {
    const bytes = await packArchive(archive.version, files);
    for (const [path, content] of files) write(join(options.depot, archive.path, path), content);
    write(join(options.depot, archiveFileName(archive)), bytes);
    write(join(options.depot, signatureFileName(archive)), signBytes(bytes, key));
    archives.push(archiveFileName(archive));
  }
  return { bin, pkg, archives };
}
