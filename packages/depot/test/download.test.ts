import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BIN,
  PKG,
  downloadConfig,
  filesUnder,
  leftInQuarantine,
  flakyDepot,
  freePort,
  publishedDepot,
  runDownload,
  servedDepot,
  storageFolder,
} from './download-system.js';
import { RUNTIME, archiveOf } from './fixture.js';
import { formatArchivesFile, parseArchivePath, readPrivateKey, signBytes } from '../src/index.js';

describe('depot_download', () => {
  it('brings a pkg and its bin archive into the local depot, verified and extracted; quarantine emptied', async () => {
    const depot = await publishedDepot();
    const server = await servedDepot(depot.dir);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: server.port,
      downloadConfig: downloadConfig(server.url, { gapstage: depot.pubkey }),
      pkgs: [PKG],
    });
    expect(run.final).toEqual(
      new Map([
        [PKG, { state: 'done' }],
        [BIN, { state: 'done' }],
      ]),
    );
    for (const archive of [PKG, BIN])
      expect(filesUnder(join(storage, 'depot', archive))).toEqual(filesUnder(join(depot.dir, archive)));
    expect(filesUnder(join(storage, 'depot', BIN)).get('dist/image.bin')?.length).toBe(20_000);
    expect(leftInQuarantine(join(storage, 'quarantine'))).toEqual([]);
    expect(readdirSync(join(storage, 'depot'))).toEqual(['gapstage']);
    expect(existsSync(join(storage, 'depot', `${BIN}.tar.gz`))).toBe(false);
    // the server logs an answer once it closed, which may be after the client has it all (a kept connection)
    await expect
      .poll(() => server.requests)
      .toEqual([
        `GET /${PKG}.tar.gz 200`,
        `GET /${PKG}.tar.gz.sig 200`,
        `GET /${BIN}.tar.gz 200`,
        `GET /${BIN}.tar.gz.sig 200`,
      ]);
    // the deployer saw the archives pass through their states
    const seen = run.lines.filter((line) => line.startsWith('[init -> deployer]'));
    for (const state of ['download', 'verify', 'extract', 'done'])
      expect(seen).toContain(`[init -> deployer] ${BIN} ${state}`);
    // the pkg's own line says download until the archives it lists are fetched too
    expect(run.states).toContain(
      `<download>\n\t<archive path="${PKG}" state="download"/>\n` +
        `\t<archive path="${BIN}" state="download"/>\n</download>\n`,
    );

    server.requests.length = 0;
    const again = await runDownload({
      storage,
      allowedPort: server.port,
      downloadConfig: downloadConfig(server.url, { gapstage: depot.pubkey }),
      pkgs: [PKG],
    });
    expect(again.final.get(PKG)).toEqual({ state: 'done' });
    expect(again.final.get(BIN)).toEqual({ state: 'done' });
    expect(server.requests).toEqual([]);
  });

  it('fetches pkgs at once, each in a quarantine folder of its own; a shared archive is installed once', async () => {
    const depot = await publishedDepot();
    // a second pkg listing the first one's bin archive, signed by gapstage
    const other = 'gapstage/pkg/other/1';
    const content = { archives: formatArchivesFile([parseArchivePath(BIN)]), runtime: RUNTIME };
    const bytes = await archiveOf(other, content);
    mkdirSync(join(depot.dir, 'gapstage/pkg/other'), { recursive: true });
    writeFileSync(join(depot.dir, `${other}.tar.gz`), bytes);
    const key = readPrivateKey(readFileSync(depot.key, 'utf8'), depot.key);
    writeFileSync(join(depot.dir, `${other}.tar.gz.sig`), signBytes(bytes, key));
    const server = await servedDepot(depot.dir);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: server.port,
      downloadConfig: downloadConfig(server.url, { gapstage: depot.pubkey }, 'concurrency="2"'),
      pkgs: [PKG, other],
    });
    expect(run.final).toEqual(
      new Map([
        [PKG, { state: 'done' }],
        [BIN, { state: 'done' }],
        [other, { state: 'done' }],
      ]),
    );
    // both pkgs were asked for before either's signature: they were fetched at once
    expect(server.requests.slice(0, 2).sort()).toEqual([`GET /${PKG}.tar.gz 200`, `GET /${other}.tar.gz 200`]);
    for (const archive of [PKG, BIN])
      expect(filesUnder(join(storage, 'depot', archive))).toEqual(filesUnder(join(depot.dir, archive)));
    expect(filesUnder(join(storage, 'depot', other))).toEqual(
      new Map(Object.entries(content).map(([name, text]) => [name, Buffer.from(text)])),
    );
    expect(readdirSync(join(storage, 'depot', 'gapstage', 'bin', 'js'))).toEqual(['http_server']);
    expect(leftInQuarantine(join(storage, 'quarantine'))).toEqual([]);
  });

  it('retries with backoff while the depot server is not there yet, reports each retry, then succeeds', async () => {
    const depot = await publishedDepot();
    const port = await freePort();
    const storage = storageFolder();
    let server: Promise<Awaited<ReturnType<typeof servedDepot>>> | undefined;
    const run = await runDownload({
      storage,
      allowedPort: port,
      downloadConfig: downloadConfig(`http://127.0.0.1:${port}/`, { gapstage: depot.pubkey }),
      pkgs: [PKG],
      onState: (xml) => {
        if (server === undefined && xml.includes('retry="2"')) server = servedDepot(depot.dir, port);
      },
    });
    expect(run.final.get(PKG)).toEqual({ state: 'done' });
    expect(run.final.get(BIN)).toEqual({ state: 'done' });
    expect(filesUnder(join(storage, 'depot', BIN))).toEqual(filesUnder(join(depot.dir, BIN)));
    const retried = run.states.find((xml) => xml.includes('retry="1"'));
    expect(retried).toContain(
      `<archive path="${PKG}" state="download" retry="1" error="DepotUnreachable" reason="${PKG}: GET ` +
        `http://127.0.0.1:${port}/${PKG}.tar.gz failed: ConnectionRefused: `,
    );
    expect(run.lines.some((line) => line.startsWith(`[init -> depot_download] Warning: ${PKG}: GET`))).toBe(true);
    const served = await server;
    await expect
      .poll(() => served?.requests)
      .toEqual([
        `GET /${PKG}.tar.gz 200`,
        `GET /${PKG}.tar.gz.sig 200`,
        `GET /${BIN}.tar.gz 200`,
        `GET /${BIN}.tar.gz.sig 200`,
      ]);
  });

  it('takes a response cut short for a passing failure: retries it, and keeps nothing of the cut copy', async () => {
    const depot = await publishedDepot();
    const flaky = await flakyDepot(depot.dir);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: flaky.port,
      downloadConfig: downloadConfig(flaky.url, { gapstage: depot.pubkey }),
      pkgs: [PKG],
    });
    expect(run.final.get(BIN)).toEqual({ state: 'done' });
    expect(filesUnder(join(storage, 'depot', BIN))).toEqual(filesUnder(join(depot.dir, BIN)));
    for (const archive of [PKG, BIN])
      expect(run.states.some((xml) => xml.includes(`<archive path="${archive}" state="download" retry="1"`))).toBe(
        true,
      );
    expect(leftInQuarantine(join(storage, 'quarantine'))).toEqual([]);
  });
});
