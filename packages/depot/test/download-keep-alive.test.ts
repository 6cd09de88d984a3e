import { type Server, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BIN,
  PKG,
  downloadConfig,
  depotFileOf,
  filesUnder,
  leftInQuarantine,
  listenForTest,
  publishedDepot,
  runDownload,
  storageFolder,
} from './download-system.js';

/** A depot server over `dir` that counts connections; `dropReused` destroys a connection at its second request. */
async function countingDepot(dir: string, dropReused: boolean) {
  const sockets = new Map<Socket, number>();
  const requests: string[] = [];
  let connections = 0;
  const server: Server = createServer((request, response) => {
    const socket = request.socket;
    const count = (sockets.get(socket) ?? 0) + 1;
    sockets.set(socket, count);
    if (dropReused && count > 1) {
      // as a server does that closes an idle connection just as the client sends on it
      socket.destroy();
      return;
    }
    const bytes = depotFileOf(dir, request.url ?? '/');
    if (bytes === undefined) {
      response.writeHead(404).end();
      return;
    }
    requests.push(`GET ${request.url}`);
    response.writeHead(200, { 'content-length': bytes.length }).end(bytes);
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listenForTest(server);
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    requests,
    connections: () => connections,
    open: () => sockets.size,
  };
}

describe('depot_download keeps its connection to the depot', () => {
  it('fetches a pkg, its bin archive and both signatures over one connection, closed once done', async () => {
    const depot = await publishedDepot();
    const server = await countingDepot(depot.dir, false);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: server.port,
      downloadConfig: downloadConfig(server.url, { gapstage: depot.pubkey }),
      pkgs: [PKG],
    });
    expect(run.final.get(BIN)).toEqual({ state: 'done' });
    expect(server.requests).toEqual([
      `GET /${PKG}.tar.gz`,
      `GET /${PKG}.tar.gz.sig`,
      `GET /${BIN}.tar.gz`,
      `GET /${BIN}.tar.gz.sig`,
    ]);
    expect(server.connections()).toBe(1);
    // the download gave its socket back: the server saw the connection close
    while (server.open() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.open()).toBe(0);
  });

  it('sends a GET again on a new connection when the kept one died before answering; reports no retry', async () => {
    const depot = await publishedDepot();
    const server = await countingDepot(depot.dir, true);
    const storage = storageFolder();
    const run = await runDownload({
      storage,
      allowedPort: server.port,
      downloadConfig: downloadConfig(server.url, { gapstage: depot.pubkey }),
      pkgs: [PKG],
    });
    expect(run.final.get(PKG)).toEqual({ state: 'done' });
    expect(run.final.get(BIN)).toEqual({ state: 'done' });
    expect(filesUnder(join(storage, 'depot', BIN))).toEqual(filesUnder(join(depot.dir, BIN)));
    expect(run.states.some((xml) => xml.includes('retry='))).toBe(false);
    expect(server.requests).toHaveLength(4);
    // each GET after the first found its kept connection dead and took a new one
    expect(server.connections()).toBe(4);
    expect(leftInQuarantine(join(storage, 'quarantine'))).toEqual([]);
  });
});
