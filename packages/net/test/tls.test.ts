import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type Server, createServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { Net, type NetError } from '../src/index.js';
import { testCertificates } from './certificates.js';
import { connectPolicy, kernel, runWithNet } from './fixtures.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

describe(`TLS through the net server on ${kernel.name}`, () => {
  it('talks to a real TLS server whose certificate chains to the given CA, and refuses one without it', async () => {
    const certificates = await testCertificates();
    server = createServer({ cert: certificates.cert, key: certificates.key }, (socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (data) => socket.end(`secure hello, ${data}`));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const run = await runWithNet(connectPolicy(String(port)).replace('127.0.0.1', 'localhost'), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env);
          const socket = await net.connect({ host: 'localhost', port, tls: { ca: certificates.ca } });
          await socket.write('ada');
          let answer = '';
          for await (const chunk of socket) answer += new TextDecoder().decode(chunk);
          await env.log(answer);
          await socket.close();
          const error = (await net
            .connect({ host: 'localhost', port, tls: true })
            .catch((e: unknown) => e)) as NetError;
          await env.log(`${error.name} (${error.kind}): ${error.message}`);
          await env.parent.exit(0);
        },
      },
    });
    const client = run.lines.filter((line) => line.startsWith('[init -> client]'));
    expect(client[0]).toBe('[init -> client] secure hello, ada');
    expect(client[1]).toMatch(
      new RegExp(`^\\[init -> client\\] TlsFailure \\(tls\\): connect to localhost:${port} TLS handshake failed \\(`),
    );
    expect(run.exit).toBe(0);
  });
});
