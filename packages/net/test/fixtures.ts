import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { type StartEntryValue, init } from '@os/init';
import type { ComponentModule, Env } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { netServer } from '../src/host.js';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
export const kernel = kernelUnderTest();

/** What a booted system with the net server ended with. */
export interface NetRun {
  /** The exit value of the client (child `client`). */
  readonly exit: number;
  /** Every LOG line. */
  readonly lines: readonly string[];
}

/** A client child: a component given as a function of its `env`. */
export interface ClientChild {
  /** The component. */
  readonly run: (env: Env) => Promise<void>;
  /** Its RAM quota; default 4 MiB. */
  readonly ram?: number;
}

/**
 * Boots init on real time with the net server (child `net`, config `netConfig`) and the clients, each routed to it for
 * Net; the child named `client` ends the run with its exit value (a client that throws exits 1).
 */
export async function runWithNet(netConfig: string, clients: Readonly<Record<string, ClientChild>>): Promise<NetRun> {
  const modules: Record<string, ComponentModule> = { init, net: netServer({ virtualTime: false }) };
  const children: StartEntryValue[] = [{ name: 'net', ram: 16 << 20, caps: 300, provides: ['Net'], config: netConfig }];
  for (const [name, child] of Object.entries(clients)) {
    modules[name] = {
      async construct(env: Env) {
        try {
          await child.run(env);
        } catch (error) {
          await env.log(`failed: ${(error as Error).name}: ${(error as Error).message}`);
          await env.parent.exit(1);
        }
      },
    };
    children.push({
      name,
      ram: child.ram ?? 4 << 20,
      caps: 100,
      routes: [
        { service: 'Net', to: { child: 'net' } },
        { service: '*', to: 'parent' },
      ],
      ...(name === 'client' ? { exit: { propagate: true } } : {}),
    });
  }
  const config = {
    parentProvides: ['LOG', 'ROM', 'PD', 'CPU'],
    defaultRoute: [{ service: '*', to: 'parent' }],
    children,
  };
  const system = await boot(
    {
      init: 'init',
      binaries: binaryTable(modules),
      roms: new Map([['config', new TextEncoder().encode(JSON.stringify(config))]]),
    },
    {
      kernel: kernel.factory,
      ...(process.env['NET_DEBUG'] ? { log: (line: string) => console.error(line) } : {}),
    },
  );
  const exit = await system.exit;
  return { exit, lines: [...system.lines] };
}

/** A node server on 127.0.0.1 for a test: its port, the sockets it accepted, and how to stop it. */
export interface HostServer {
  readonly port: number;
  readonly sockets: Socket[];
  close(): Promise<void>;
}

/** Starts a node TCP server on 127.0.0.1 (`port`, default an ephemeral one) whose connections go to `serve`. */
export async function hostServer(serve: (socket: Socket) => void, port = 0): Promise<HostServer> {
  const sockets: Socket[] = [];
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    serve(socket);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An echo server: sends back what it gets, and ends when the peer ends. */
export function echo(socket: Socket): void {
  socket.pipe(socket);
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `count` bytes of a pattern that shows a byte out of place. */
export function pattern(count: number): Uint8Array {
  const bytes = new Uint8Array(count);
  for (let i = 0; i < count; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

/** A connect policy for `client` to 127.0.0.1 on `ports`. */
export function connectPolicy(ports: string, label = 'client'): string {
  return `<config> <policy label="${label}"> <connect host="127.0.0.1" port="${ports}"/> </policy> </config>`;
}
