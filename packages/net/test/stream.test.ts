import { once } from 'node:events';
import { type Server as HttpServer, createServer as createHttpServer, request } from 'node:http';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { Aedes } from 'aedes';
import { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Net } from '../src/index.js';
import { netStream } from '../src/stream.js';
import { connectPolicy, kernel, runWithNet } from './fixtures.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function listening(server: Server | HttpServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe(`netStream, a Node Duplex over a Net socket, on ${kernel.name}`, () => {
  it("takes a timeout listener off with setTimeout(0, listener), as Node's HTTP agent does for a kept socket", () => {
    const stream = netStream(new Promise(() => undefined));
    const listener = (): void => undefined;
    for (let request = 0; request < 20; request++) {
      stream.setTimeout(1000, listener);
      stream.setTimeout(0, listener);
    }
    expect(stream.listenerCount('timeout')).toBe(0);
    stream.setTimeout(1000, listener);
    expect(stream.listenerCount('timeout')).toBe(1);
    stream.destroy();
  });

  it("carries node:http's requests to a real HTTP server, a body larger than the rings included", async () => {
    const http = createHttpServer((incoming, response) => {
      let length = 0;
      incoming.on('data', (chunk: Buffer) => (length += chunk.length));
      incoming.on('end', () => response.end(`got ${length} bytes at ${incoming.url}`));
    });
    const port = await listening(http);
    const run = await runWithNet(connectPolicy(String(port)), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env, { sockets: 1, bufferSize: 1024 });
          const answer = await new Promise<string>((resolve, reject) => {
            const outgoing = request(
              {
                method: 'POST',
                host: '127.0.0.1',
                port,
                path: '/upload',
                createConnection: () => netStream(net.connect({ host: '127.0.0.1', port })),
              },
              (response) => {
                let body = '';
                response.setEncoding('utf8');
                response.on('data', (chunk: string) => (body += chunk));
                response.on('end', () => resolve(`${response.statusCode} ${body}`));
              },
            );
            outgoing.on('error', reject);
            outgoing.end(Buffer.alloc(100_000, 7));
          });
          await env.log(answer);
          await net.close();
          await env.parent.exit(0);
        },
      },
    });
    expect(run.lines).toEqual(['[init -> client] 200 got 100000 bytes at /upload']);
  });

  it('lets mqtt.js publish through it to a real aedes broker', async () => {
    const broker = await Aedes.createBroker();
    stops.push(() => new Promise<void>((resolve) => broker.close(() => resolve())));
    const port = await listening(createServer((socket) => broker.handle(socket)));
    const published = new Promise<string>((resolve) =>
      broker.on('publish', (packet, client) => {
        if (client !== null && packet.topic === 'robots/1') resolve(`${client.id}: ${packet.payload.toString()}`);
      }),
    );
    const run = await runWithNet(connectPolicy(String(port)), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env);
          const mqtt = new MqttClient(() => netStream(net.connect({ host: '127.0.0.1', port })), {
            protocolVersion: 4,
            clientId: 'twin',
            reconnectPeriod: 0,
          });
          await new Promise<void>((resolve, reject) => {
            mqtt.once('connect', () => resolve());
            mqtt.once('error', reject);
          });
          await mqtt.publishAsync('robots/1', 'battery 87', { qos: 1 });
          await env.log('published, acknowledged');
          await mqtt.endAsync();
          await net.close();
          await env.parent.exit(0);
        },
      },
    });
    expect(run.lines).toEqual(['[init -> client] published, acknowledged']);
    expect(await published).toBe('twin: battery 87');
  });
});
