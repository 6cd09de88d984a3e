import { type NetError, SocketClosed, netError } from './net-errors.js';
import {
  RX_ENDED,
  RX_READ,
  RX_WRITE,
  STATE,
  SocketRing,
  SocketState,
  TX_READ,
  TX_WRITE,
  copyIn,
  copyOut,
} from './socket-ring.js';

/** Where a socket's two ends are. */
export interface SocketAddresses {
  /** The host address of this end. */
  readonly localAddress: string;
  /** The port of this end. */
  readonly localPort: number;
  /** The peer's address (empty for a listener). */
  readonly remoteAddress: string;
  /** The peer's port (0 for a listener). */
  readonly remotePort: number;
}

/** What a socket needs of its connection; the connection implements it. */
export interface SocketOwner {
  /** Resolves at the next signal of the server (something of the session changed). */
  nextChange(): Promise<void>;
  /** Signals the server that a ring changed. */
  wake(): void;
  /** Why socket `id` failed, from the server. */
  failure(id: number): Promise<NetError>;
  /** Half-closes socket `id` at the server. */
  end(id: number): Promise<void>;
  /** Closes socket `id` at the server and forgets it. */
  close(id: number): Promise<void>;
  /** The addresses of socket `id`. */
  addresses(id: number): Promise<SocketAddresses>;
  /** Whether the connection was closed (its sockets with it). */
  isClosed(): boolean;
}

const encoder = new TextEncoder();

/**
 * One TCP (or TLS) connection of a `Net.Connection`. Data moves through the socket's rings in a dataspace shared with
 * the net server, not in messages: `write` copies into the transmit ring and waits while it is full (the
 * backpressure), `read` takes what the receive ring holds and waits while it is empty. Also an async iterable of
 * received chunks: `for await (const chunk of socket)`.
 */
export class NetSocket implements AsyncIterable<Uint8Array> {
  /** The socket's id in its session. */
  readonly id: number;
  /** What the socket is, for messages: `127.0.0.1:8080`, or `connection from 127.0.0.1:51000`. */
  readonly name: string;
  readonly #owner: SocketOwner;
  readonly #ring: SocketRing;
  #rxRead = 0;
  #txWrite = 0;
  #writing: Promise<void> = Promise.resolve();
  #ended = false;
  #closed = false;
  #failure: Promise<NetError> | null = null;

  /** Wraps socket `id` whose ring dataspace is attached at `bytes`; use `Net.Connection`'s `connect` or `accept`. */
  constructor(owner: SocketOwner, id: number, name: string, bytes: Uint8Array, rxSize: number, txSize: number) {
    this.#owner = owner;
    this.id = id;
    this.name = name;
    this.#ring = new SocketRing(bytes, rxSize, txSize);
  }

  /** Whether `close` was called (or the connection closed). */
  get closed(): boolean {
    return this.#closed || this.#owner.isClosed();
  }

  /** Resolves once connected (TLS: after the handshake); rejects with the typed error of a failed connect. */
  async opened(): Promise<void> {
    for (;;) {
      const state = this.#state();
      if (state === SocketState.failed) throw await this.#why();
      if (state !== SocketState.connecting) return;
      await this.#owner.nextChange();
    }
  }

  /**
   * Sends `data` (text as UTF-8): resolves once all of it is in the transmit ring, waiting while the ring is full.
   * Writes go out in the order they were called.
   */
  write(data: Uint8Array | string): Promise<void> {
    // a write made before `end` is sent before the end, even when it waits for room; one made after is refused
    if (this.#ended) return Promise.reject(new SocketClosed(`write to ${this.name}: the socket was ended`));
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    const done = this.#writing.then(() => this.#write(bytes));
    this.#writing = done.catch(() => undefined);
    return done;
  }

  /**
   * The next bytes received (all the receive ring holds), waiting while it is empty; `null` once the peer ended its
   * side and everything it sent was read. Rejects with the socket's typed error when it failed.
   */
  async read(): Promise<Uint8Array | null> {
    for (;;) {
      this.#checkOpen('read');
      const available = SocketRing.distance(this.#ring.get(RX_WRITE), this.#rxRead);
      if (available > 0) {
        const chunk = new Uint8Array(Math.min(available, this.#ring.rx.length));
        copyOut(this.#ring.rx, this.#rxRead, chunk, 0, chunk.length);
        this.#rxRead = (this.#rxRead + chunk.length) >>> 0;
        this.#ring.set(RX_READ, this.#rxRead);
        this.#owner.wake();
        return chunk;
      }
      const state = this.#state();
      if (state === SocketState.failed) throw await this.#why();
      if (this.#ring.get(RX_ENDED) === 1 || state === SocketState.closed) return null;
      await this.#owner.nextChange();
    }
  }

  /** Ends the sending side once everything written is sent (TCP's half close); reading goes on. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#writing;
    this.#checkOpen('end');
    await this.#owner.end(this.id);
  }

  /** Closes the socket at once (what was not sent yet is dropped) and frees its rings at the server. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#owner.isClosed()) await this.#owner.close(this.id);
  }

  /** Where the socket's ends are. */
  async addresses(): Promise<SocketAddresses> {
    this.#checkOpen('addresses');
    return this.#owner.addresses(this.id);
  }

  /** Each chunk received, until the peer ends its side. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = await this.read();
      if (chunk === null) return;
      yield chunk;
    }
  }

  /** Closes the socket at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      this.#checkOpen('write');
      const state = this.#state();
      if (state === SocketState.failed) throw await this.#why();
      if (state === SocketState.closed) throw new SocketClosed(`write to ${this.name}: the connection is closed`);
      const size = this.#ring.tx.length;
      const free = state === SocketState.open ? size - SocketRing.distance(this.#txWrite, this.#ring.get(TX_READ)) : 0;
      if (free <= 0) {
        await this.#owner.nextChange();
        continue;
      }
      const length = Math.min(free, bytes.length - offset);
      copyIn(this.#ring.tx, this.#txWrite, bytes, offset, length);
      this.#txWrite = (this.#txWrite + length) >>> 0;
      this.#ring.set(TX_WRITE, this.#txWrite);
      this.#owner.wake();
      offset += length;
    }
  }

  #state(): number {
    return this.#ring.get(STATE);
  }

  #checkOpen(what: string): void {
    if (this.closed) throw new SocketClosed(`${what} on ${this.name}: the socket is closed`);
  }

  #why(): Promise<NetError> {
    this.#failure ??= this.#owner.failure(this.id);
    return this.#failure;
  }
}

/** Makes a client's error from what the server reported. */
export function failureError(failure: { kind: string; message: string }): NetError {
  return netError(failure.kind, failure.message);
}
