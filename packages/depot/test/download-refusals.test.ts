import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArchiveStatus } from '../src/download.js';
import { generateDepotKeyPair, readPrivateKey, signBytes } from '../src/index.js';
import {
  BIN,
  PKG,
  type PublishedDepot,
  chunkedDepot,
  downloadConfig,
  leftInQuarantine,
  publishedDepot,
  runDownload,
  servedDepot,
  storageFolder,
} from './download-system.js';

/** Nothing of the pkg reached the local depot, and the quarantine holds nothing but its slots' empty folders. */
function nothingExtracted(storage: string): void {
  expect(readdirSync(join(storage, 'depot'))).toEqual([]);
  expect(leftInQuarantine(join(storage, 'quarantine'))).toEqual([]);
}

/** Runs a download of PKG from `depot` as served; answers the final status of PKG and BIN and the storage folder. */
async function download(
  depot: PublishedDepot,
  attributes = '',
  keys: Readonly<Record<string, string>> = { gapstage: depot.pubkey },
  storagePolicy = '',
): Promise<{ pkg?: ArchiveStatus; bin?: ArchiveStatus; storage: string; url: string }> {
  const server = await servedDepot(depot.dir);
  const storage = storageFolder();
  const run = await runDownload({
    storage,
    allowedPort: server.port,
    downloadConfig: downloadConfig(server.url, keys, attributes),
    pkgs: [PKG],
    storagePolicy,
  });
  const pkg = run.final.get(PKG);
  const bin = run.final.get(BIN);
  return { ...(pkg === undefined ? {} : { pkg }), ...(bin === undefined ? {} : { bin }), storage, url: server.url };
}

function failed(error: string, reason: string): ArchiveStatus {
  return { state: 'failed', error, reason };
}

const NOT_VERIFIED =
  `${BIN}: the signature does not verify with gapstage's trusted key: the archive was changed or cut short, or ` +
  'signed with another key';

describe('depot_download refuses bad packages, extracting nothing of them', () => {
  it('refuses a pkg whose archive the depot does not have (404)', async () => {
    const depot = await publishedDepot();
    rmSync(join(depot.dir, `${BIN}.tar.gz`));
    const { pkg, bin, storage, url } = await download(depot);
    const status = failed(
      'MissingArchive',
      `${BIN}: the depot has no ${BIN}.tar.gz (GET ${url}${BIN}.tar.gz answered 404); publish it there, or fix the ` +
        'archives file that lists it',
    );
    expect(pkg).toEqual(status);
    expect(bin).toEqual(status);
    nothingExtracted(storage);
  });

  it('refuses an archive with a flipped byte', async () => {
    const depot = await publishedDepot();
    const file = join(depot.dir, `${BIN}.tar.gz`);
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 0x01, bytes.length >> 1);
    writeFileSync(file, bytes);
    const { pkg, bin, storage } = await download(depot);
    expect(pkg).toEqual(failed('BadSignature', NOT_VERIFIED));
    expect(bin).toEqual(failed('BadSignature', NOT_VERIFIED));
    nothingExtracted(storage);
  });

  it('refuses an archive cut short', async () => {
    const depot = await publishedDepot();
    const file = join(depot.dir, `${BIN}.tar.gz`);
    writeFileSync(file, readFileSync(file).subarray(0, 5000));
    const { bin, storage } = await download(depot);
    expect(bin).toEqual(failed('BadSignature', NOT_VERIFIED));
    nothingExtracted(storage);
  });

  it('leaves nothing in the depot or quarantine when the storage runs out midway through an extraction', async () => {
    // the downloads (about 21K) fit; the bin's 20 000-byte image, extracted beside them, does not
    const { pkg, bin, storage } = await download(await publishedDepot(), '', undefined, 'quota="36K"');
    expect(bin?.state).toBe('failed');
    expect(pkg).toEqual(bin);
    expect(bin?.error).toBe('NoSpace');
    expect(bin?.reason).toMatch(/^write to "\/quarantine\/\.0\/\d+-staging\/dist\/image\.bin": the policy's quota/);
    nothingExtracted(storage);
  });

  it('refuses an archive signed with another key, and names a trusted signer that is not the user', async () => {
    const depot = await publishedDepot();
    const other = generateDepotKeyPair();
    const file = join(depot.dir, `${BIN}.tar.gz`);
    writeFileSync(`${file}.sig`, signBytes(readFileSync(file), readPrivateKey(other.privateKey, 'other.key')));
    const untrusted = await download(depot);
    expect(untrusted.bin).toEqual(failed('BadSignature', NOT_VERIFIED));
    nothingExtracted(untrusted.storage);

    const trusted = await download(depot, '', { gapstage: depot.pubkey, other: other.publicKey });
    const status = failed('BadSignature', `${BIN}: signed with the key of "other", not with gapstage's trusted key`);
    expect(trusted.pkg).toEqual(status);
    expect(trusted.bin).toEqual(status);
    nothingExtracted(trusted.storage);
  });

  it('refuses a pkg of a user without a trusted key before fetching anything', async () => {
    const depot = await publishedDepot();
    const server = await servedDepot(depot.dir);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: server.port,
      downloadConfig: downloadConfig(server.url, { gapstage: depot.pubkey }),
      pkgs: ['mallory/pkg/http_server/2023-01-01', PKG],
    });
    expect(run.final.get('mallory/pkg/http_server/2023-01-01')).toEqual(
      failed(
        'UnknownUser',
        'mallory/pkg/http_server/2023-01-01: user "mallory" has no trusted key (trusted: gapstage); add ' +
          "mallory's pubkey to the trusted keys to accept its archives",
      ),
    );
    expect(run.final.get(PKG)).toEqual({ state: 'done' });
    expect(server.requests.filter((request) => request.includes('mallory'))).toEqual([]);
    expect(readdirSync(join(storage, 'depot'))).toEqual(['gapstage']);
  });

  it('reports a malformed pkg path of the installation as failed and goes on with the rest', async () => {
    const depot = await publishedDepot();
    const server = await servedDepot(depot.dir);
    const run = await runDownload({
      storage: storageFolder(),
      allowedPort: server.port,
      downloadConfig: downloadConfig(server.url, { gapstage: depot.pubkey }),
      pkgs: ['gapstage/pkg/../passwd', 'gapstage/bin/js/http_server/2023-01-01', PKG],
    });
    expect(run.final.get('gapstage/pkg/../passwd')).toEqual(
      failed(
        'ArchivePathError',
        'ROM "installation":2: archive path "gapstage/pkg/../passwd" has "..", which is not a name',
      ),
    );
    expect(run.final.get(BIN)).toEqual({ state: 'done' });
    expect(run.final.get(PKG)).toEqual({ state: 'done' });
  });

  it('refuses a response larger than max_archive_bytes by its Content-Length', async () => {
    const depot = await publishedDepot();
    const size = statSync(join(depot.dir, `${BIN}.tar.gz`)).size;
    const { pkg, bin, storage, url } = await download(depot, 'max_archive_bytes="8K"');
    const status = failed(
      'ResponseTooLarge',
      `${BIN}: GET ${url}${BIN}.tar.gz announces ${size} bytes (Content-Length), more than the limit of 8192 bytes ` +
        '(max_archive_bytes); nothing of it is kept',
    );
    expect(pkg).toEqual(status);
    expect(bin).toEqual(status);
    nothingExtracted(storage);
  });

  it('refuses a response larger than max_archive_bytes by what it streams, when it announces no length', async () => {
    const depot = await publishedDepot();
    const hostile = await chunkedDepot(depot.dir);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: hostile.port,
      downloadConfig: downloadConfig(hostile.url, { gapstage: depot.pubkey }, 'max_archive_bytes="8K"'),
      pkgs: [PKG],
    });
    expect(run.final.get(BIN)).toEqual(
      failed(
        'ResponseTooLarge',
        `${BIN}: GET ${hostile.url}${BIN}.tar.gz sent more than the limit of 8192 bytes (max_archive_bytes); ` +
          'nothing of it is kept',
      ),
    );
    nothingExtracted(storage);
  });

  it("cannot connect anywhere but the depot: net's policy refuses, the download fails with the reason", async () => {
    const depot = await publishedDepot();
    const allowed = await servedDepot(depot.dir);
    const elsewhere = await servedDepot(depot.dir);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: allowed.port,
      downloadConfig: downloadConfig(elsewhere.url, { gapstage: depot.pubkey }),
      pkgs: [PKG],
    });
    expect(run.final.get(PKG)).toEqual(
      failed(
        'FetchFailed',
        `${PKG}: GET ${elsewhere.url}${PKG}.tar.gz failed: PolicyDenied: connect to 127.0.0.1:${elsewhere.port} ` +
          'denied: the policy at net config line 2 for "depot_download" allows connect to ' +
          `127.0.0.1:${allowed.port} only`,
      ),
    );
    expect(run.lines).toContain(
      `[init -> net] Warning: denied connect of "depot_download" to 127.0.0.1:${elsewhere.port}: not in the policy ` +
        'at net config line 2',
    );
    expect(elsewhere.requests).toEqual([]);
    expect(allowed.requests).toEqual([]);
    nothingExtracted(storage);
  });
});
