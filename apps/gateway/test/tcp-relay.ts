// A TCP relay on 127.0.0.1 standing between the gateway and the hub: the test cuts it to take the hub away from the
// gateway (connections reset, new ones refused) while the hub and the test's own connections to it stay up.

import { createServer, type Server, type Socket, connect } from 'node:net';

/** A relay from its own port to `target` on 127.0.0.1, which can be cut and restored on the same port. */
export class TcpRelay {
  readonly #target: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;

  private constructor(target: number) {
    this.#target = target;
  }

  /** A relay to `target`, listening on a free port. */
  static async start(target: number): Promise<TcpRelay> {
    const relay = new TcpRelay(target);
    await relay.restore();
    return relay;
  }

  /** The port it listens on. */
  get port(): number {
    return this.#port;
  }

  /** Listens again (on the same port once it had one). */
  async restore(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect({ host: '127.0.0.1', port: this.#target });
      for (const socket of [inbound, outbound]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((listening) => server.listen(this.#port, '127.0.0.1', listening));
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Resets every relayed connection and stops listening: the target seems gone. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.resetAndDestroy();
    if (server !== undefined) await new Promise<void>((closed) => server.close(() => closed()));
  }
}
