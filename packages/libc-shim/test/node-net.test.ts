import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, connect as hostConnect, createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { type Untyped, kernel, programPolicy, runNodeProgram } from './node-program-fixture.js';

const servers: { close(callback: () => void): unknown }[] = [];
const accepted: Socket[] = [];
afterEach(async () => {
  // a system that ended leaves its net server's host sockets open: end them, or close would wait for them
  for (const socket of accepted.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise<void>((done) => server.close(() => done()));
});

/** A node server on 127.0.0.1 whose connections go to `serve`; resolves with its port. */
async function hostServer(serve: (socket: Socket) => void): Promise<number> {
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
    serve(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe(`node:net under the libc shim, through the net server, on ${kernel.name}`, () => {
  it('connects, streams 1 MiB both ways with backpressure (drain), half-closes, and ends by itself', async () => {
    const port = await hostServer((socket) => socket.pipe(socket));
    const run = await runNodeProgram(programPolicy(String(port)), ({ modules, console }) => {
      const net = modules('node:net');
      const { Buffer } = modules('node:buffer');
      const total = 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024);
      for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7) & 0xff;
      const events: string[] = [];
      let received = 0;
      let checksum = 0;
      let drains = 0;
      const socket = net.createConnection({ host: '127.0.0.1', port }, () => {
        events.push(`connect ${socket.remoteAddress}:${socket.remotePort === port}`);
        let sent = 0;
        const pump = (): void => {
          while (sent < total) {
            sent += chunk.length;
            if (!socket.write(chunk)) {
              socket.once('drain', () => {
                drains++;
                pump();
              });
              return;
            }
          }
          socket.end();
        };
        pump();
      });
      socket.on('data', (data: Untyped) => {
        received += data.length;
        for (const byte of data) checksum = (checksum + byte) % 65521;
      });
      socket.on('end', () => events.push('end'));
      socket.on('close', () => {
        events.push('close');
        console.log(events.join(', '));
        console.log(`received ${received} bytes, checksum ${checksum}, drained ${drains > 0}`);
        console.log(`bytesWritten ${socket.bytesWritten} bytesRead ${socket.bytesRead}`);
      });
    });
    let expected = 0;
    for (let n = 0; n < 16; n++) for (let i = 0; i < 64 * 1024; i++) expected = (expected + ((i * 7) & 0xff)) % 65521;
    expect(run.lines).toEqual([
      '[init -> program] connect 127.0.0.1:true, end, close',
      `[init -> program] received 1048576 bytes, checksum ${expected}, drained true`,
      '[init -> program] bytesWritten 1048576 bytesRead 1048576',
    ]);
    expect(run.exit).toBe(0);
  });

  it('gives Node errors: ECONNREFUSED for a closed port, EACCES for one its policy denies, then close', async () => {
    const closed = await freePort();
    const run = await runNodeProgram(programPolicy(String(closed)), ({ modules, console }) => {
      const net = modules('net');
      for (const port of [closed, closed === 65535 ? 65534 : closed + 1]) {
        const socket = new net.Socket();
        socket.on('error', (error: Untyped) => console.log(`error ${error.code} ${error.syscall} ${error.port}`));
        socket.on('close', () => console.log(`close ${socket.destroyed}`));
        socket.connect(port, '127.0.0.1');
      }
    });
    const other = closed === 65535 ? 65534 : closed + 1;
    expect([...run.lines].sort()).toEqual(
      [
        `[init -> net] Warning: denied connect of "program" to 127.0.0.1:${other}: not in the policy at net config ` +
          'line 1',
        `[init -> program] error ECONNREFUSED connect ${closed}`,
        `[init -> program] error EACCES connect ${other}`,
        '[init -> program] close true',
        '[init -> program] close true',
      ].sort(),
    );
    expect(run.exit).toBe(0);
  });

  it('emits timeout after setTimeout of silence, and an unref-ed socket lets the program end', async () => {
    const port = await hostServer(() => undefined);
    const run = await runNodeProgram(programPolicy(String(port)), ({ modules, console }) => {
      const net = modules('net');
      const quiet = net.connect(port, '127.0.0.1');
      quiet.setTimeout(50, () => {
        console.log(`timeout, still ${quiet.readyState}`);
        quiet.destroy();
      });
      quiet.on('close', () => {
        const idle = net.connect(port, '127.0.0.1', () => {
          console.log('idle socket open, unref');
          idle.setNoDelay(true).setKeepAlive(true, 1000).unref();
        });
      });
    });
    expect(run.lines).toEqual(['[init -> program] timeout, still open', '[init -> program] idle socket open, unref']);
    expect(run.exit).toBe(0);
  });

  it('listens with net.createServer on a port its policy allows, and serves a real client', async () => {
    const port = await freePort();
    let client: Promise<string> | undefined;
    const run = await runNodeProgram(programPolicy('1', port), ({ modules, console }) => {
      const net = modules('node:net');
      const server = net.createServer((socket: Untyped) => {
        socket.setEncoding('utf8');
        socket.on('data', (text: string) => socket.end(text.toUpperCase()));
        socket.on('close', () => server.close(() => console.log('server closed')));
      });
      server.listen(port, () => {
        console.log(`listening on ${server.address().address}:${server.address().port === port}`);
        client = (async () => {
          const socket = hostConnect({ host: '127.0.0.1', port });
          await once(socket, 'connect');
          socket.end('hello from the host');
          let answer = '';
          for await (const data of socket) answer += data;
          return answer;
        })();
      });
      server.on('error', (error: Untyped) => console.log(`error ${error.code}`));
    });
    expect(await client).toBe('HELLO FROM THE HOST');
    expect(run.lines).toEqual(['[init -> program] listening on 127.0.0.1:true', '[init -> program] server closed']);
    expect(run.exit).toBe(0);
  });

  it('refuses a listen its policy does not allow with EACCES', async () => {
    const port = await freePort();
    const run = await runNodeProgram(programPolicy('1'), ({ modules, console }) => {
      const server = modules('net').createServer();
      server.on('error', (error: Untyped) => console.log(`error ${error.code} ${error.syscall} ${error.port}`));
      server.listen(port);
    });
    expect(run.lines).toContain(`[init -> program] error EACCES listen ${port}`);
    expect(run.exit).toBe(0);
  });

  it('speaks TLS with tls.connect: ca and servername, and fails the handshake without the CA', async () => {
    const tlsFile = (name: string): string => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url), 'utf8');
    const certificates = { ca: tlsFile('ca.pem'), cert: tlsFile('server.pem'), key: tlsFile('server-key.pem') };
    const server = createTlsServer({ cert: certificates.cert, key: certificates.key }, (socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (data) => socket.end(`secure hello, ${data}`));
    });
    server.on('secureConnection', (socket) => accepted.push(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    const policy = programPolicy(String(port)).replace('127.0.0.1', 'localhost');
    const run = await runNodeProgram(policy, ({ modules, console }) => {
      const tls = modules('node:tls');
      const secure = tls.connect({ host: 'localhost', port, ca: certificates.ca, servername: 'localhost' }, () => {
        console.log(`secureConnect, authorized ${secure.authorized}, encrypted ${secure.encrypted}`);
        secure.write('ada');
      });
      secure.setEncoding('utf8');
      secure.on('data', (text: string) => console.log(text));
      secure.on('close', () => {
        const refused = tls.connect(port, 'localhost', {});
        refused.on('error', (error: Untyped) => console.log(`error ${error.code}`));
      });
    });
    expect(run.lines).toEqual([
      '[init -> program] secureConnect, authorized true, encrypted true',
      '[init -> program] secure hello, ada',
      '[init -> program] error ERR_TLS_HANDSHAKE',
    ]);
    expect(run.exit).toBe(0);
  });

  it('refuses what the Net session cannot do: client certificates, IPC paths, bad ports', async () => {
    const run = await runNodeProgram(programPolicy('1'), ({ modules, console }) => {
      const attempts: [string, () => unknown][] = [
        ['cert', () => modules('tls').connect({ host: 'localhost', port: 1, cert: 'x', key: 'y' })],
        ['path', () => modules('net').connect({ path: '/run/socket' })],
        ['port', () => modules('net').connect(70000, '127.0.0.1')],
      ];
      for (const [what, attempt] of attempts) {
        try {
          attempt();
          console.log(`${what}: no error`);
        } catch (error) {
          console.log(`${what}: ${(error as Untyped).code}`);
        }
      }
    });
    expect(run.lines).toEqual([
      '[init -> program] cert: ERR_INVALID_ARG_VALUE',
      '[init -> program] path: ERR_INVALID_ARG_VALUE',
      '[init -> program] port: ERR_SOCKET_BAD_PORT',
    ]);
  });
});
