import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { Net, type NetError } from '../src/index.js';
import { TX_WRITE } from '../src/socket-ring.js';
import { type HostServer, connectPolicy, echo, hostServer, kernel, pattern, runWithNet } from './fixtures.js';

let server: HostServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function describeError(error: unknown): string {
  return `${(error as Error).name} (${(error as NetError).kind}): ${(error as Error).message}`;
}

const ring = { rxSize: 4096, txSize: 4096, timeoutMs: 1000, tls: undefined };

describe(`the net server against a hostile client on ${kernel.name}`, () => {
  it('refuses bad arguments sent straight to the session, and keeps serving', async () => {
    server = await hostServer(echo);
    const port = server.port;
    const run = await runWithNet(connectPolicy('*', 'client'), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env);
          const session = net.session as unknown as typeof net.session & { connect: typeof net.session.connect };
          for (const request of [
            { host: '127.0.0.1', port: 0, ...ring },
            { host: '127.0.0.1', port: 70000, ...ring },
            { host: '', port, ...ring },
            { host: 'a b', port, ...ring },
            { host: 'x'.repeat(254), port, ...ring },
            { host: '127.0.0.1', port, ...ring, rxSize: 2 ** 31 },
            { host: '127.0.0.1', port, ...ring, txSize: 1000 },
            { host: '127.0.0.1', port, ...ring, timeoutMs: 0 },
            { host: '127.0.0.1', port, ...ring, tls: { caLength: 1 << 30, servername: '', rejectUnauthorized: true } },
          ])
            await env.log(describeError(await session.connect(request).catch((e: unknown) => e)));
          await env.log(
            describeError(await net.connect({ host: '127.0.0.1', port, bufferSize: 2 ** 30 }).catch((e) => e)),
          );
          const socket = await net.connect({ host: '127.0.0.1', port });
          await socket.write('still serving');
          await env.log(new TextDecoder().decode((await socket.read()) ?? new Uint8Array()));
          await env.parent.exit(0);
        },
      },
    });
    const client = run.lines.filter((line) => line.startsWith('[init -> client]')).map((line) => line.slice(17));
    expect(client).toEqual([
      'InvalidNetArgument (invalid-argument): connect to 127.0.0.1:0: port must be 1 to 65535, got 0',
      'InvalidNetArgument (invalid-argument): connect to 127.0.0.1:70000: port must be 1 to 65535, got 70000',
      expect.stringMatching(/^InvalidNetArgument \(invalid-argument\): connect: host "" is not a host name/),
      expect.stringMatching(/^InvalidNetArgument \(invalid-argument\): connect: host "a b" is not a host name/),
      expect.stringMatching(/^InvalidNetArgument \(invalid-argument\): connect: host "x{64}" is not a host name/),
      'InvalidNetArgument (invalid-argument): rxSize must be a power of two from 256 to 1048576 bytes, got 2147483648',
      'InvalidNetArgument (invalid-argument): txSize must be a power of two from 256 to 1048576 bytes, got 1000',
      `InvalidNetArgument (invalid-argument): connect to 127.0.0.1:${port}: timeoutMs must be 1 to 600000, got 0`,
      `InvalidNetArgument (invalid-argument): connect to 127.0.0.1:${port}: a CA of 1073741824 bytes does not fit ` +
        'the control dataspace of 16384 bytes',
      'InvalidNetArgument (invalid-argument): bufferSize must be 1 to 1048576 bytes, got 1073741824',
      'still serving',
    ]);
  });

  it('lets a client that donated for one socket open only one, and frees it on close', async () => {
    server = await hostServer(echo);
    const port = server.port;
    const run = await runWithNet(connectPolicy(String(port)), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env, { sockets: 1, bufferSize: 4096 });
          const first = await net.connect({ host: '127.0.0.1', port });
          await env.log(describeError(await net.connect({ host: '127.0.0.1', port }).catch((e: unknown) => e)));
          await first.close();
          const second = await net.connect({ host: '127.0.0.1', port });
          await env.log(`after close: ${second.name} open`);
          await env.parent.exit(0);
        },
      },
    });
    const client = run.lines.filter((line) => line.startsWith('[init -> client]'));
    expect(client[0]).toMatch(
      new RegExp(
        `^\\[init -> client\\] NetQuotaExhausted \\(quota\\): connect to 127\\.0\\.0\\.1:${port}: needs 80K of RAM ` +
          "and 1 capability; the session's donation of 100K and 4 capabilities has 0 and 0 left: close a socket",
      ),
    );
    expect(client[1]).toBe(`[init -> client] after close: 127.0.0.1:${port} open`);
  });

  it('never buffers more for a client that does not read than its rings and the host reserve', async () => {
    let sent = 0;
    let stalled: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (stalled = resolve));
    server = await hostServer((socket) => {
      // the peer sends as long as the socket takes it; once its writes back up, the client holds no more
      const chunk = pattern(64 * 1024);
      const pump = (): void => {
        while (socket.write(chunk)) sent += chunk.length;
        sent += chunk.length;
        const before = sent;
        setTimeout(() => (sent === before ? stalled() : undefined), 300);
        socket.once('drain', pump);
      };
      pump();
    });
    const port = server.port;
    const run = await runWithNet(connectPolicy(String(port)), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env, { sockets: 1, bufferSize: 4096 });
          const socket = await net.connect({ host: '127.0.0.1', port });
          await stuck;
          const first = await socket.read();
          await env.log(`first read: ${first?.length} bytes`);
          await socket.close();
          await env.parent.exit(0);
        },
      },
    });
    expect(run.lines).toContain('[init -> client] first read: 4096 bytes');
    // what the peer got rid of is bounded by the host's socket buffers, not by the client's patience
    expect(sent).toBeLessThan(64 << 20);
  });

  it("fails only the socket of a client that breaks its ring's counters", async () => {
    server = await hostServer(echo);
    const port = server.port;
    const run = await runWithNet(connectPolicy(String(port)), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env, { sockets: 2, bufferSize: 4096 });
          const socket = await net.connect({ host: '127.0.0.1', port });
          const dataspace = await net.session.dataspace(socket.id);
          const header = new DataView(env.rm.attach(dataspace.cast()).buffer);
          header.setUint32(TX_WRITE, 1_000_000, true);
          env.thread.submitSignal((await net.session.wakeup()).selector);
          await env.log(describeError(await socket.read().catch((e: unknown) => e)));
          const other = await net.connect({ host: '127.0.0.1', port });
          await other.write('fine');
          await env.log(new TextDecoder().decode((await other.read()) ?? new Uint8Array()));
          await env.parent.exit(0);
        },
      },
    });
    const client = run.lines.filter((line) => line.startsWith('[init -> client]'));
    expect(client).toEqual([
      `[init -> client] NetFailure (failed): connect to 127.0.0.1:${port} failed (the client's transmit counter is ` +
        'beyond its ring; the socket is closed)',
      '[init -> client] fine',
    ]);
  });

  it('reports a reset by the peer as ConnectionReset naming host:port', async () => {
    server = await hostServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const port = server.port;
    const run = await runWithNet(connectPolicy(String(port)), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env);
          const socket = await net.connect({ host: '127.0.0.1', port });
          await socket.write('hello');
          await env.log(describeError(await socket.read().catch((e: unknown) => e)));
          await env.parent.exit(0);
        },
      },
    });
    expect(run.lines).toContain(
      `[init -> client] ConnectionReset (reset): connect to 127.0.0.1:${port} reset by the peer ` +
        '(ECONNRESET: read ECONNRESET)',
    );
  });

  it("closes the session's host sockets when the session closes", async () => {
    server = await hostServer(() => undefined);
    const port = server.port;
    const host = server;
    let closed: Promise<unknown[]> = Promise.resolve([]);
    const run = await runWithNet(connectPolicy(String(port)), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env, { sockets: 2 });
          await net.connect({ host: '127.0.0.1', port });
          await net.connect({ host: '127.0.0.1', port });
          while (host.sockets.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
          await env.log(`peer holds ${host.sockets.length} sockets`);
          closed = Promise.all(host.sockets.map((socket) => once(socket, 'end')));
          await net.close();
          await env.parent.exit(0);
        },
      },
    });
    expect(run.lines).toEqual(['[init -> client] peer holds 2 sockets']);
    // the peer sees both connections end (a FIN each) although the client closed only its session
    expect(await closed).toHaveLength(2);
  });
});
