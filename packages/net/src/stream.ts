// A Node Duplex over a Net socket, for trusted host-side component code (built-in components that are host modules):
// Node libraries that speak over a stream (node:http's `createConnection`, mqtt.js's stream builder) then reach the
// network through the routed Net session. A confined component cannot import node:stream; it uses `NetSocket` itself.

import { Duplex } from 'node:stream';
import type { NetSocket } from './net-socket.js';

/**
 * A Node `Duplex` over a `NetSocket` of `@os/net`, or over a connect still under way (writes before it opened wait
 * for it; a failed connect is the stream's `error`). It emits `connect` once open, `data` for each chunk received,
 * `end` when the peer ends, and `close`; `end()` half-closes the socket, `destroy()` closes it. The socket methods
 * Node's HTTP client calls (`setNoDelay`, `setKeepAlive`, `setTimeout`, `ref`, `unref`) are accepted; the timeout
 * fires on the host's time.
 */
export class NetStream extends Duplex {
  readonly #opening: Promise<NetSocket>;
  #socket: NetSocket | null = null;
  #reading = false;
  #timeout: ReturnType<typeof setTimeout> | undefined;
  #timeoutMs = 0;
  /** Whether the socket is open: false while connecting. */
  connecting = true;

  /** Streams over `socket`, or the socket a pending connect resolves with. */
  constructor(socket: NetSocket | Promise<NetSocket>) {
    super({ allowHalfOpen: true });
    this.#opening = Promise.resolve(socket);
    this.#opening.then(
      (opened) => {
        this.#socket = opened;
        this.connecting = false;
        if (this.destroyed) {
          void opened.close().catch(() => undefined);
          return;
        }
        this.emit('connect');
        this.emit('ready');
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** The open socket, or null while connecting. */
  get socket(): NetSocket | null {
    return this.#socket;
  }

  /** Accepted for Node's HTTP client; Nagle's algorithm is the net server's business. */
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  /** Accepted for Node's HTTP client; keep-alive probes are the net server's business. */
  setKeepAlive(_enable?: boolean, _delay?: number): this {
    return this;
  }

  /**
   * Emits `timeout` after `ms` milliseconds without activity (0 turns it off), as `net.Socket` does: `callback` is
   * added as a `timeout` listener, or removed with 0 (Node's HTTP agent so takes a request's listener off a kept
   * socket).
   */
  setTimeout(ms: number, callback?: () => void): this {
    this.#timeoutMs = ms;
    if (callback !== undefined) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    this.#touch();
    return this;
  }

  /** Accepted for Node's HTTP agent. */
  ref(): this {
    return this;
  }

  /** Accepted for Node's HTTP agent. */
  unref(): this {
    return this;
  }

  /** Starts moving received chunks into the stream (Node calls it when it wants data). */
  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    void this.#pull();
  }

  /** Writes a chunk to the socket once it is open (Node calls it for each `write`). */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#touch();
    this.#opening
      .then((socket) => socket.write(chunk))
      .then(
        () => callback(),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
  }

  /** Half-closes the socket after the last write (Node calls it on `end`). */
  override _final(callback: (error?: Error | null) => void): void {
    this.#opening
      .then((socket) => socket.end())
      .then(
        () => callback(),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
  }

  /** Closes the socket (Node calls it on `destroy`). */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#timeout);
    const socket = this.#socket;
    if (socket === null) {
      callback(error);
      return;
    }
    socket.close().then(
      () => callback(error),
      () => callback(error),
    );
  }

  async #pull(): Promise<void> {
    try {
      const socket = await this.#opening;
      for (;;) {
        const chunk = await socket.read();
        this.#touch();
        if (chunk === null) {
          this.push(null);
          return;
        }
        if (!this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))) {
          this.#reading = false;
          return;
        }
      }
    } catch (error) {
      this.#reading = false;
      if (!this.destroyed) this.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #touch(): void {
    clearTimeout(this.#timeout);
    if (this.#timeoutMs > 0 && !this.destroyed) this.#timeout = setTimeout(() => this.emit('timeout'), this.#timeoutMs);
  }
}

/** A Node `Duplex` over `socket` (or a pending connect): see {@link NetStream}. */
export function netStream(socket: NetSocket | Promise<NetSocket>): NetStream {
  return new NetStream(socket);
}
