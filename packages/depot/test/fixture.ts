import type { KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type TarEntry, packTar } from 'modern-tar';
import {
  type ArchivePath,
  DepotTrust,
  type SignedArchive,
  formatArchivesFile,
  generateDepotKeyPair,
  packArchive,
  parseArchivePath,
  readPrivateKey,
  signBytes,
} from '../src/index.js';

const gzipAsync = promisify(gzip);

/** A depot user with a fresh key pair. */
export interface TestUser {
  readonly user: string;
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

/** A user named `user` with a new Ed25519 key pair. */
export function testUser(user: string): TestUser {
  const pair = generateDepotKeyPair();
  return { user, publicKey: pair.publicKey, privateKey: readPrivateKey(pair.privateKey, `${user}.key`) };
}

/** Trust in exactly `users`, each with its own key. */
export function trustIn(...users: TestUser[]): DepotTrust {
  return DepotTrust.fromPem(users.map((user) => [user.user, user.publicKey] as const));
}

/** `bytes` signed by `by`, ready to hand to verification under `path`. */
export function signed(path: string, bytes: Uint8Array, by: TestUser): [string, SignedArchive] {
  return [path, { archive: bytes, signature: signBytes(bytes, by.privateKey) }];
}

const encoder = new TextEncoder();

/** A map of files from text. */
export function files(entries: Record<string, string>): Map<string, Uint8Array> {
  return new Map(Object.entries(entries).map(([path, text]) => [path, encoder.encode(text)]));
}

/** A packed archive of `path` holding `content`. */
export async function archiveOf(path: string, content: Record<string, string>): Promise<Uint8Array> {
  return packArchive(parseArchivePath(path).version, files(content));
}

/** A component's runtime file. */
export const RUNTIME = `<runtime ram="4M" caps="60" binary="http_server">
\t<requires> <timer/> <nic/> </requires>
\t<config port="8080"/>
</runtime>
`;

/**
 * A published pkg `user/pkg/http_server/2023-01-01` listing `user/bin/js/http_server/2023-01-01`, both signed by
 * `by`, plus the `bin`'s content: what a download fetches.
 */
export async function publishedPkg(
  by: TestUser,
  runtime = RUNTIME,
): Promise<{ pkg: string; bin: string; fetched: Map<string, SignedArchive> }> {
  const pkg = `${by.user}/pkg/http_server/2023-01-01`;
  const bin = `${by.user}/bin/js/http_server/2023-01-01`;
  const pkgBytes = await archiveOf(pkg, {
    archives: formatArchivesFile([parseArchivePath(bin)]),
    runtime,
    README: 'serves a page\n',
  });
  const binBytes = await archiveOf(bin, {
    'package.json': '{"name":"http_server","osComponent":{"wire":1}}',
    'dist/main.js': 'export async function construct() {}\n',
  });
  return { pkg, bin, fetched: new Map([signed(pkg, pkgBytes, by), signed(bin, binBytes, by)]) };
}

/** A `.tar.gz` of raw tar entries, written as given: how a hostile archive is made. */
export async function hostileTarGz(entries: TarEntry[]): Promise<Uint8Array> {
  return new Uint8Array(await gzipAsync(await packTar(entries)));
}

/** A file entry of a hostile archive. */
export function fileEntry(name: string, text = 'x'): TarEntry {
  return { header: { name, size: encoder.encode(text).length, type: 'file' }, body: text };
}

/** Writes a component package folder (package.json with `osComponent`, a module) named `name` into `folder`. */
export function componentFolder(folder: string, name: string, manifest: Record<string, unknown> = {}): void {
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  };
  write(
    'package.json',
    JSON.stringify({
      name,
      description: `the ${name} component`,
      type: 'module',
      exports: { '.': './dist/main.js' },
      osComponent: { wire: 1, requires: ['Timer', 'Net'], ram: '4M', caps: 60, ...manifest },
    }),
  );
  write('dist/main.js', 'export async function construct(env) { await env.parent.exit(0); }\n');
  write('dist/page.html', '<h1>http_server</h1>\n');
}

/** The archive path `text`, parsed. */
export function path(text: string): ArchivePath {
  return parseArchivePath(text);
}
