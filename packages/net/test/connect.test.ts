import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionRefused, Net } from '../src/index.js';
import { type HostServer, connectPolicy, echo, freePort, hostServer, kernel, pattern, runWithNet } from './fixtures.js';

let server: HostServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe(`a client connecting through the net server on ${kernel.name}`, () => {
  it('echoes 1 MiB through a real node server, far more than its rings hold', async () => {
    server = await hostServer(echo);
    const port = server.port;
    const sent = pattern(1 << 20);
    const run = await runWithNet(connectPolicy(String(port)), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env, { sockets: 1, bufferSize: 4096 });
          const socket = await net.connect({ host: '127.0.0.1', port });
          const writing = (async () => {
            for (let at = 0; at < sent.length; at += 10_000) await socket.write(sent.subarray(at, at + 10_000));
            await socket.end();
          })();
          const received: Uint8Array[] = [];
          let length = 0;
          for await (const chunk of socket) {
            received.push(chunk);
            length += chunk.length;
          }
          await writing;
          const all = new Uint8Array(length);
          let at = 0;
          for (const chunk of received) {
            all.set(chunk, at);
            at += chunk.length;
          }
          const same = all.length === sent.length && all.every((byte, i) => byte === sent[i]);
          const largest = Math.max(...received.map((chunk) => chunk.length));
          await env.log(`echoed ${length} bytes, same: ${same}, largest chunk ${largest}`);
          await socket.close();
          await net.close();
          await env.parent.exit(0);
        },
      },
    });
    expect(run.lines).toContain('[init -> client] echoed 1048576 bytes, same: true, largest chunk 4096');
    expect(run.exit).toBe(0);
  });

  it('fails a connect to a port nothing listens on with ConnectionRefused naming host:port', async () => {
    const port = await freePort();
    const run = await runWithNet(connectPolicy(String(port)), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env);
          const error = await net.connect({ host: '127.0.0.1', port }).catch((caught: unknown) => caught);
          await env.log(`${(error as Error).name} ${(error as ConnectionRefused).kind}: ${(error as Error).message}`);
          await env.log(`instance: ${error instanceof ConnectionRefused}`);
          await env.parent.exit(0);
        },
      },
    });
    expect(run.lines[0]).toMatch(
      new RegExp(`^\\[init -> client\\] ConnectionRefused refused: connect to 127\\.0\\.0\\.1:${port} refused`),
    );
    expect(run.lines).toContain('[init -> client] instance: true');
  });
});
