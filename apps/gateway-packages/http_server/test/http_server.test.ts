import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { resolve } from 'node:path';
import { Net } from '@os/net';
import type { Env } from '@os/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { type PackageSystem, kernel, publishToDepot, startPackageSystem } from './system-fixture.js';

const directory = resolve(import.meta.dirname, '..');
const { version } = JSON.parse(readFileSync(resolve(directory, 'package.json'), 'utf8')) as { version: string };
/** The most bytes of a request head the server reads (`MAX_HEAD_BYTES` of http-request.mjs). */
const MAX_HEAD_BYTES = 8 * 1024;
let system: PackageSystem | undefined;

afterEach(async () => {
  await system?.stop();
  system = undefined;
});

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function listenPolicy(port: number, extra = ''): string {
  return `<config> <policy label="http_server"> <listen port="${port}"/> ${extra} </policy> </config>`;
}

/** Boots http_server with `<config port>` under a policy that lets it listen there; resolves once it listens. */
async function startServer(port: number, attributes = ''): Promise<PackageSystem> {
  system = await startPackageSystem({
    directory,
    netConfig: listenPolicy(port),
    starts: `<start name="http_server" caps="100" ram="4M"> <binary name="@gapstage/http_server"/>
               <config port="${port}" ${attributes}/> </start>`,
  });
  await system.line(`[init -> http_server] listening on 127.0.0.1:${port}`);
  return system;
}

/** Sends `bytes` raw to 127.0.0.1:`port` (then ends, unless `keepOpen`) and resolves with all that came back. */
async function raw(port: number, bytes: string | Buffer, keepOpen = false): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  if (keepOpen) socket.write(bytes);
  else socket.end(bytes);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

describe(`http_server, a confined component serving HTTP through the net server, on ${kernel.name}`, () => {
  it('answers GET with a page naming the component and its version, Content-Length, Connection: close', async () => {
    const port = await freePort();
    await startServer(port);
    const answer = await fetch(`http://127.0.0.1:${port}/index.html`);
    const body = await answer.text();
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(answer.headers.get('connection')).toBe('close');
    expect(Number(answer.headers.get('content-length'))).toBe(Buffer.byteLength(body));
    expect(body).toContain('<h1>http_server</h1>');
    expect(body).toContain(`http_server version ${version}`);
    // several clients at once, and one after the other
    expect(body).toContain('request 1 since it started');
    const pages = await Promise.all([1, 2, 3].map(() => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())));
    const count = (page: string) => Number(/request (\d+) since it started/.exec(page)?.[1]);
    expect(pages.map(count).sort()).toEqual([2, 3, 4]);
    expect(pages.map((page) => page.replace(/request \d+/, 'request 1'))).toEqual([body, body, body]);
  });

  it('answers HEAD with the length of the page and no body, and other methods with 405', async () => {
    const port = await freePort();
    await startServer(port);
    const head = await raw(port, 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [fields, rest] = head.split('\r\n\r\n');
    expect(fields).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(Number(/Content-Length: (\d+)/.exec(fields ?? '')?.[1])).toBeGreaterThan(100);
    expect(rest).toBe('');
    const post = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers malformed requests with 400 (431 for a head too large, 505 for HTTP/2) and keeps serving', async () => {
    const port = await freePort();
    await startServer(port);
    const status = (answer: string): string => answer.split('\r\n')[0] ?? '';
    expect(status(await raw(port, 'GARBAGE\r\n\r\n'))).toBe('HTTP/1.1 400 Bad Request');
    expect(status(await raw(port, 'GET / HTTP/1.1\r\n\r\n'))).toBe('HTTP/1.1 400 Bad Request');
    expect(status(await raw(port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'))).toBe('HTTP/1.1 400 Bad Request');
    expect(status(await raw(port, 'GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n'))).toBe(
      'HTTP/1.1 400 Bad Request',
    );
    expect(status(await raw(port, 'GET / HTTP/1.1\r\nHost: a\x01b\r\n\r\n'))).toBe('HTTP/1.1 400 Bad Request');
    expect(status(await raw(port, 'GET / HTTP/2.0\r\nHost: a\r\n\r\n'))).toBe(
      'HTTP/1.1 505 HTTP Version Not Supported',
    );
    const huge = `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`;
    expect(status(await raw(port, huge, true))).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    // an endless head without a line end is cut off as well
    expect(status(await raw(port, 'G'.repeat(3 * MAX_HEAD_BYTES), true))).toBe(
      'HTTP/1.1 431 Request Header Fields Too Large',
    );
    const refusal =
      /^\[init -> http_server\] refused connection from 127\.0\.0\.1:\d+: 400 malformed request line "GARBAGE"$/;
    expect(system?.lines.filter((line) => refusal.test(line))).toHaveLength(1);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });

  it('survives clients that hang up mid-request, reset, or never send, and serves the next one', async () => {
    const port = await freePort();
    await startServer(port, 'request_timeout_ms="300"');
    // hangs up halfway through the head
    expect(await raw(port, 'GET / HTTP/1.1\r\nHo')).toBe('');
    // resets the connection
    const resetting = connect({ host: '127.0.0.1', port });
    await once(resetting, 'connect');
    resetting.write('GET / HTTP/1.1\r\n');
    resetting.resetAndDestroy();
    // never sends: the server closes the connection once the request timeout passed, without an answer
    const silent = connect({ host: '127.0.0.1', port });
    await once(silent, 'connect');
    const silentData: Buffer[] = [];
    silent.on('data', (chunk: Buffer) => silentData.push(chunk));
    await once(silent, 'close');
    expect(Buffer.concat(silentData).toString()).toBe('');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });

  it('logs the refusal and exits with 1 when its policy lets it listen nowhere', async () => {
    const port = await freePort();
    system = await startPackageSystem({
      directory,
      netConfig: '<config> <policy label="http_server"> <connect host="127.0.0.1" port="1-65535"/> </policy> </config>',
      starts: `<start name="http_server" caps="100" ram="4M"> <binary name="@gapstage/http_server"/>
                 <exit propagate="yes"/>
                 <config port="${port}"/> </start>`,
    });
    expect(await system.exit).toBe(1);
    expect(system.lines).toContain(
      `[init -> http_server] Error: cannot listen on port ${port}: PolicyDenied: listen on port ${port} denied: the ` +
        'policy at net config line 1 for "http_server" allows no listen at all',
    );
    system = undefined;
  });

  it('says what is wrong with its config and exits with 1', async () => {
    system = await startPackageSystem({
      directory,
      netConfig: listenPolicy(8080),
      starts: `<start name="http_server" caps="100" ram="4M"> <binary name="@gapstage/http_server"/>
                 <exit propagate="yes"/>
                 <config port="http"/> </start>`,
    });
    expect(await system.exit).toBe(1);
    expect(system.lines).toContain(
      '[init -> http_server] Error: HttpServerConfigError: <config port>: expected a whole number from 1 to 65535, ' +
        'got "http"; write e.g. <config port="8080"/>',
    );
    system = undefined;
  });

  it('cannot connect out: a connect under its label is refused by the policy that lets it listen', async () => {
    const port = await freePort();
    const target = createServer((socket) => socket.end('you should not see this')).listen(0, '127.0.0.1');
    await once(target, 'listening');
    const targetPort = (target.address() as AddressInfo).port;
    // a helper component started as "http_server", so that its session carries http_server's label
    const probe = {
      async construct(env: Env) {
        const connection = await Net.Connection.open(env);
        const outcome = await connection.connect({ host: '127.0.0.1', port: targetPort }).then(
          () => 'connected',
          (error: Error) => `${error.name}: ${error.message}`,
        );
        await env.log(outcome);
        await env.parent.exit(0);
      },
    };
    system = await startPackageSystem({
      directory,
      netConfig: listenPolicy(port),
      builtins: { connect_probe: probe },
      starts: `<start name="http_server" caps="100" ram="4M"> <binary name="connect_probe"/>
                 <exit propagate="yes"/> </start>`,
    });
    expect(await system.exit).toBe(0);
    target.close();
    expect(system.lines).toContain(
      `[init -> http_server] PolicyDenied: connect to 127.0.0.1:${targetPort} denied: the policy at net config ` +
        'line 1 for "http_server" allows no connect at all',
    );
    expect(system.lines).toContain(
      `[init -> net] Warning: denied connect of "http_server" to 127.0.0.1:${targetPort}: not in the policy at net ` +
        'config line 1',
    );
    system = undefined;
  });

  it('runs as published into a depot, loaded by its archive path as the gateway loads it', async () => {
    const published = await publishToDepot(directory);
    const port = await freePort();
    try {
      expect(published.binary).toBe('gapstage/bin/js/http_server/2023-01-01');
      system = await startPackageSystem({
        directory,
        depot: published.depot,
        netConfig: listenPolicy(port).replace('label="http_server"', 'label="web"'),
        starts: `<start name="web" caps="100" ram="4M"> <binary name="${published.binary}"/>
                   <config port="${port}"/> </start>`,
      });
      await system.line(`[init -> web] listening on 127.0.0.1:${port}`);
    } finally {
      published.remove();
    }
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(page).toContain('<h1>web</h1>');
  });
});
