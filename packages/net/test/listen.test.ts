import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Net } from '../src/index.js';
import { type HostServer, freePort, hostServer, kernel, runWithNet } from './fixtures.js';

let server: HostServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Sends `request` to 127.0.0.1:`port` from a node client, ends, and resolves with all it got back. */
async function ask(port: number, request: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.end(request);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe(`a component listening through the net server on ${kernel.name}`, () => {
  it('serves real node clients on 127.0.0.1, one connection after the other', async () => {
    const port = await freePort();
    let listening: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    const running = runWithNet(`<config> <policy label="client"> <listen port="${port}"/> </policy> </config>`, {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env, { sockets: 2, listeners: 1 });
          const listener = await net.listen({ port });
          const bound = await listener.addresses();
          await env.log(`listening on ${bound.localAddress}:${bound.localPort}`);
          listening();
          for (let served = 1; served <= 2; served++) {
            const socket = await listener.accept();
            let request = '';
            for await (const chunk of socket) request += new TextDecoder().decode(chunk);
            await socket.write(`hello ${request}, you are client ${served}`);
            await socket.end();
            await socket.close();
          }
          await listener.close();
          await net.close();
          await env.parent.exit(0);
        },
      },
    });
    await ready;
    expect(await ask(port, 'ada')).toBe('hello ada, you are client 1');
    expect(await ask(port, 'grace')).toBe('hello grace, you are client 2');
    const run = await running;
    expect(run.lines).toContain(`[init -> client] listening on 127.0.0.1:${port}`);
    expect(run.exit).toBe(0);
    // the listener was closed: the port is free for the host again
    server = await hostServer(() => undefined, port);
    expect(server.port).toBe(port);
  });

  it('sends writes made before end() even when they wait for room, and refuses a write after it', async () => {
    const port = await freePort();
    let listening: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    const running = runWithNet(`<config> <policy label="client"> <listen port="${port}"/> </policy> </config>`, {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env, { sockets: 1, listeners: 1, bufferSize: 4096 });
          const listener = await net.listen({ port });
          listening();
          const socket = await listener.accept();
          for await (const _ of socket) break;
          // three writes of 10 000 bytes into a 4 KiB ring, none awaited, then the end
          const writes = ['a', 'b', 'c'].map((letter) => socket.write(letter.repeat(10_000)));
          await socket.end();
          await Promise.all(writes);
          const late = await socket.write('late').then(
            () => 'written',
            (error: Error) => error.name,
          );
          await env.log(`a write after end: ${late}`);
          await socket.close();
          await net.close();
          await env.parent.exit(0);
        },
      },
    });
    await ready;
    const got = await ask(port, 'go');
    expect(got).toBe(`${'a'.repeat(10_000)}${'b'.repeat(10_000)}${'c'.repeat(10_000)}`);
    const run = await running;
    expect(run.lines).toContain('[init -> client] a write after end: SocketClosed');
    expect(run.exit).toBe(0);
  });
});
