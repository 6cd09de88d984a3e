import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { join } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { DOWNLOAD_DEFAULTS } from '../src/download.js';
import { formatArchivesFile, parseArchivePath, readPrivateKey, signBytes } from '../src/index.js';
import {
  BIN,
  PKG,
  type PublishedDepot,
  chunkedDepot,
  depotFileOf,
  downloadConfig,
  filesUnder,
  listenForTest,
  publishedDepot,
  runDownload,
  servedDepot,
  storageFolder,
} from './download-system.js';
import { RUNTIME, archiveOf } from './fixture.js';

/** Publishes `count` more pkgs in `depot`, each listing the http_server bin archive, signed by gapstage. */
async function morePkgs(depot: PublishedDepot, count: number): Promise<Map<string, Map<string, Buffer>>> {
  const key = readPrivateKey(readFileSync(depot.key, 'utf8'), depot.key);
  const pkgs = new Map<string, Map<string, Buffer>>();
  for (let i = 1; i <= count; i++) {
    const path = `gapstage/pkg/app${i}/1`;
    const content = { archives: formatArchivesFile([parseArchivePath(BIN)]), runtime: RUNTIME };
    const bytes = await archiveOf(path, content);
    mkdirSync(join(depot.dir, `gapstage/pkg/app${i}`), { recursive: true });
    writeFileSync(join(depot.dir, `${path}.tar.gz`), bytes);
    writeFileSync(join(depot.dir, `${path}.tar.gz.sig`), signBytes(bytes, key));
    pkgs.set(path, new Map(Object.entries(content).map(([name, text]) => [name, Buffer.from(text)])));
  }
  return pkgs;
}

// The pkgs fetched at once make their Net, File_system, Timer and Report calls from the component's one thread; the
// kernel refuses a call from a thread with one outstanding, so they take turns there (@os/rpc), on every kernel.
describe(`depot_download, pkgs at once on one thread (${kernelUnderTest().name})`, () => {
  it('brings seven pkgs at the default concurrency of 4, all verified and extracted', async () => {
    expect(DOWNLOAD_DEFAULTS.concurrency).toBe(4);
    const depot = await publishedDepot();
    const others = await morePkgs(depot, 6);
    const server = await servedDepot(depot.dir);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: server.port,
      downloadConfig: downloadConfig(server.url, { gapstage: depot.pubkey }),
      pkgs: [PKG, ...others.keys()],
    });
    expect(run.lines.filter((line) => line.includes('Error'))).toEqual([]);
    expect(run.final).toEqual(new Map([PKG, BIN, ...others.keys()].map((path) => [path, { state: 'done' }])));
    // the first four pkgs were all asked for before any signature: fetched at once
    expect(
      server.requests
        .slice(0, 4)
        .every((request) => request.startsWith('GET /') && request.includes('.tar.gz 200') && !request.includes('sig')),
    ).toBe(true);
    for (const archive of [PKG, BIN])
      expect(filesUnder(join(storage, 'depot', archive))).toEqual(filesUnder(join(depot.dir, archive)));
    for (const [path, content] of others) expect(filesUnder(join(storage, 'depot', path))).toEqual(content);
  });

  it('brings ten pkgs eight at a time: its File_system session pays for the handles of every slot', async () => {
    const depot = await publishedDepot();
    const others = await morePkgs(depot, 9);
    const server = await servedDepot(depot.dir);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: server.port,
      downloadConfig: downloadConfig(server.url, { gapstage: depot.pubkey }, 'concurrency="8"'),
      pkgs: [PKG, ...others.keys()],
    });
    expect(run.lines.filter((line) => line.includes('Error'))).toEqual([]);
    expect(run.final).toEqual(new Map([PKG, BIN, ...others.keys()].map((path) => [path, { state: 'done' }])));
    for (const [path, content] of others) expect(filesUnder(join(storage, 'depot', path))).toEqual(content);
  });

  it('brings ten pkgs, four at a time, from a depot that streams each response in small chunks', async () => {
    const depot = await publishedDepot();
    const others = await morePkgs(depot, 9);
    const server = await chunkedDepot(depot.dir);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: server.port,
      downloadConfig: downloadConfig(server.url, { gapstage: depot.pubkey }),
      pkgs: [PKG, ...others.keys()],
    });
    expect(run.final).toEqual(new Map([PKG, BIN, ...others.keys()].map((path) => [path, { state: 'done' }])));
    for (const [path, content] of others) expect(filesUnder(join(storage, 'depot', path))).toEqual(content);
  });

  it('starts a pkg in a slot that fell free while another is still fetched, as the installation follows', async () => {
    const depot = await publishedDepot();
    const others = [...(await morePkgs(depot, 2)).keys()];
    const [second, third] = others as [string, string];
    // the depot holds the first pkg's archive back until the third pkg was asked for (or for 3 s, so that a
    // download that waits for the first pkg before taking the third still ends, and fails the order below)
    const log: string[] = [];
    let release: () => void = () => undefined;
    const thirdAsked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server: Server = createServer((request, response) => {
      const target = request.url ?? '/';
      log.push(`asked ${target}`);
      if (target === `/${third}.tar.gz`) release();
      const answer = (): void => {
        const bytes = depotFileOf(depot.dir, target);
        if (bytes === undefined) {
          response.writeHead(404).end();
          return;
        }
        log.push(`answered ${target}`);
        response.writeHead(200, { 'content-length': bytes.length }).end(bytes);
      };
      if (target === `/${PKG}.tar.gz`)
        void Promise.race([thirdAsked, new Promise((resolve) => setTimeout(resolve, 3000))]).then(answer);
      else answer();
    });
    const port = await listenForTest(server);
    const run = await runDownload({
      storage: storageFolder(),
      allowedPort: port,
      downloadConfig: downloadConfig(`http://127.0.0.1:${port}/`, { gapstage: depot.pubkey }, 'concurrency="2"'),
      pkgs: [PKG, second, third],
      followDone: true,
    });
    for (const path of [PKG, BIN, second, third])
      expect(run.states.some((xml) => xml.includes(`<archive path="${path}" state="done"/>`))).toBe(true);
    // the second slot took the third pkg once the second was done, while the first was still held back
    expect(log.indexOf(`asked /${third}.tar.gz`)).toBeGreaterThan(-1);
    expect(log.indexOf(`asked /${third}.tar.gz`)).toBeLessThan(log.indexOf(`answered /${PKG}.tar.gz`));
  });
});
