import { SocketClosed } from './net-errors.js';
import type { NetSocket, SocketAddresses } from './net-socket.js';

/** What a listener needs of its connection; the connection implements it. */
export interface ListenerOwner {
  /** Resolves at the next signal of the server. */
  nextChange(): Promise<void>;
  /** Takes the listener's oldest pending connection as a socket, or null when there is none. */
  take(listener: number): Promise<NetSocket | null>;
  /** Closes listener `id` at the server. */
  close(id: number): Promise<void>;
  /** The bound address and port of listener `id`. */
  addresses(id: number): Promise<SocketAddresses>;
  /** Whether the connection was closed. */
  isClosed(): boolean;
}

/** A port the net server listens on for a client: `accept` hands out each connection it gets. */
export class NetListener implements AsyncIterable<NetSocket> {
  /** The listener's id in its session. */
  readonly id: number;
  /** The port listened on. */
  readonly port: number;
  readonly #owner: ListenerOwner;
  #closed = false;

  /** Wraps listener `id`; use `Net.Connection`'s `listen`. */
  constructor(owner: ListenerOwner, id: number, port: number) {
    this.#owner = owner;
    this.id = id;
    this.port = port;
  }

  /** The next connection, waiting until one comes. */
  async accept(): Promise<NetSocket> {
    for (;;) {
      if (this.#closed || this.#owner.isClosed())
        throw new SocketClosed(`accept on port ${this.port}: the listener is closed`);
      const socket = await this.#owner.take(this.id);
      if (socket !== null) return socket;
      await this.#owner.nextChange();
    }
  }

  /** Where the listener is bound (`127.0.0.1` unless the server's policy names another address). */
  async addresses(): Promise<SocketAddresses> {
    return this.#owner.addresses(this.id);
  }

  /** Stops listening; connections not accepted yet are closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#owner.isClosed()) await this.#owner.close(this.id);
  }

  /** Each connection, until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<NetSocket> {
    for (;;) {
      if (this.#closed) return;
      yield await this.accept();
    }
  }
}
