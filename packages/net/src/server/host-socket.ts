import type { Socket } from 'node:net';
import type { NetErrorKind } from '../net-errors.js';
import {
  RX_ENDED,
  RX_READ,
  RX_SIZE,
  RX_WRITE,
  STATE,
  SocketRing,
  SocketState,
  TX_READ,
  TX_SIZE,
  TX_WRITE,
  copyIn,
  copyOut,
} from '../socket-ring.js';
import { hostErrorCode, hostErrorKind, hostErrorText } from './host-failure.js';

/** Why a socket failed, as the session's `failure` reports it. */
export interface SocketFailure {
  readonly kind: NetErrorKind;
  readonly message: string;
}

/** What a host socket tells its session. */
export interface HostSocketEvents {
  /** Something a client sees changed: signal it. */
  changed(): void;
}

const WHAT: Readonly<Record<NetErrorKind, string>> = {
  refused: 'refused: nothing listens there',
  unreachable: 'unreachable',
  reset: 'reset by the peer',
  'timed-out': 'timed out',
  tls: 'TLS handshake failed',
  denied: 'denied',
  'address-in-use': 'address in use',
  'invalid-argument': 'invalid',
  quota: 'over quota',
  closed: 'closed',
  failed: 'failed',
};

/**
 * One host socket of a Net session and its ring dataspace: moves what the host receives into the receive ring as far
 * as it has room (the rest stays in the host, which stops reading), and what the client put into the transmit ring to
 * the host, freeing ring space only once the host sent it. Its own counters are the truth: counters the client
 * writes are checked, and a client that breaks them fails its own socket, nothing else.
 */
export class HostSocket {
  /** The socket's dataspace, in the server's space. */
  readonly dataspace: number;
  /** RAM the socket costs its session. */
  readonly ram: number;
  readonly #socket: Socket;
  readonly #ring: SocketRing;
  readonly #rxSize: number;
  readonly #txSize: number;
  readonly #events: HostSocketEvents;
  /** `connect to host:port`, or `connection from address:port to port P`: what messages name. */
  readonly #name: string;
  #rxWrite = 0;
  #txRead = 0;
  #txSent = 0;
  #state: SocketState = SocketState.connecting;
  #handshaking: boolean;
  #ending = false;
  #failure: SocketFailure | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #destroyed = false;

  /**
   * Serves `socket` with the ring in `bytes` (dataspace `dataspace`); `connected` for an accepted socket, else it waits
   * for `connectEvent` (`connect`, or `secureConnect` for TLS) or fails after `timeoutMs`.
   */
  constructor(options: {
    readonly socket: Socket;
    readonly dataspace: number;
    readonly bytes: Uint8Array;
    readonly rxSize: number;
    readonly txSize: number;
    readonly ram: number;
    readonly name: string;
    readonly events: HostSocketEvents;
    readonly connectEvent: 'connect' | 'secureConnect' | null;
    readonly tls: boolean;
    readonly timeoutMs?: number;
  }) {
    this.dataspace = options.dataspace;
    this.ram = options.ram;
    this.#socket = options.socket;
    this.#ring = new SocketRing(options.bytes, options.rxSize, options.txSize);
    this.#rxSize = options.rxSize;
    this.#txSize = options.txSize;
    this.#events = options.events;
    this.#name = options.name;
    this.#handshaking = options.tls && options.connectEvent !== null;
    this.#ring.set(RX_SIZE, options.rxSize);
    this.#ring.set(TX_SIZE, options.txSize);
    const socket = options.socket;
    // the client frames its own messages through the ring; Nagle's algorithm would hold a request's last segment back
    // until the peer's delayed ACK (tens of milliseconds per exchange)
    socket.setNoDelay(true);
    socket.on('readable', () => this.#whileServed(() => this.#pumpRx()));
    socket.on('end', () =>
      this.#whileServed(() => {
        this.#ring.set(RX_ENDED, 1);
        this.#events.changed();
      }),
    );
    socket.on('error', (error) => this.#whileServed(() => this.fail(hostErrorKind(error, this.#handshaking), error)));
    socket.on('close', () => this.#whileServed(() => this.#closed()));
    if (options.connectEvent === null) this.#opened();
    else {
      socket.once(options.connectEvent, () => this.#whileServed(() => this.#opened()));
      const timeout = options.timeoutMs ?? 0;
      this.#timer = setTimeout(
        () => this.#whileServed(() => this.fail('timed-out', new Error(`no connection after ${timeout} ms`))),
        timeout,
      );
    }
    this.#ring.set(STATE, this.#state);
  }

  /** Why the socket failed; null while it has not. */
  get failure(): SocketFailure | null {
    return this.#failure;
  }

  /** Where the socket's ends are (empty before it connected). */
  addresses(): { localAddress: string; localPort: number; remoteAddress: string; remotePort: number } {
    return {
      localAddress: this.#socket.localAddress ?? '',
      localPort: this.#socket.localPort ?? 0,
      remoteAddress: this.#socket.remoteAddress ?? '',
      remotePort: this.#socket.remotePort ?? 0,
    };
  }

  /** Moves what the rings allow both ways: called when the client signals that it changed a ring. */
  pump(): void {
    this.#pumpTx();
    this.#pumpRx();
  }

  /** Ends the sending side once what the transmit ring holds now is sent. */
  end(): void {
    if (this.#ending) return;
    this.#pumpTx();
    this.#ending = true;
    if (this.#state === SocketState.open) this.#socket.end();
  }

  /** Fails the socket with `kind` (no effect once it failed or closed): the host socket is destroyed. */
  fail(kind: NetErrorKind, error: unknown): void {
    if (this.#state === SocketState.failed || this.#state === SocketState.closed) return;
    clearTimeout(this.#timer);
    const code = hostErrorCode(error);
    const detail = code === 'Error' ? hostErrorText(error) : `${code}: ${hostErrorText(error)}`;
    this.#failure = { kind, message: `${this.#name} ${WHAT[kind]} (${detail})` };
    this.#setState(SocketState.failed);
    this.#socket.destroy();
  }

  /**
   * Runs `work`, a host socket's event, unless the net component that served the socket is gone: its PD destroyed
   * (the session's dataspace, and with it the ring, detached) before it could close the session. The host socket is
   * destroyed then, as nobody will ever read it.
   */
  #whileServed(work: () => void): void {
    if (this.#ring.rx.byteLength === 0 && this.#rxSize > 0) {
      this.destroy();
      return;
    }
    work();
  }

  /** Destroys the host socket at once (close, or the session's end). */
  destroy(): void {
    this.#destroyed = true;
    clearTimeout(this.#timer);
    this.#socket.removeAllListeners();
    // a destroyed socket may still report an error; nobody listens any more
    this.#socket.on('error', () => undefined);
    this.#socket.destroy();
  }

  #opened(): void {
    clearTimeout(this.#timer);
    this.#handshaking = false;
    this.#setState(SocketState.open);
    if (this.#ending) this.#socket.end();
    this.pump();
  }

  #closed(): void {
    clearTimeout(this.#timer);
    if (this.#state === SocketState.failed || this.#state === SocketState.closed) return;
    if (this.#state === SocketState.connecting) {
      this.fail('failed', new Error('the host closed the socket before it connected'));
      return;
    }
    this.#setState(SocketState.closed);
  }

  #setState(state: SocketState): void {
    this.#state = state;
    if (this.#destroyed) return;
    this.#ring.set(STATE, state);
    this.#events.changed();
  }

  /** A client that broke its counters fails its own socket. */
  #violation(what: string): void {
    this.fail('failed', new Error(`the client's ${what} counter is beyond its ring; the socket is closed`));
  }

  #pumpRx(): void {
    if (this.#state !== SocketState.open && this.#state !== SocketState.closed) return;
    const held = SocketRing.distance(this.#rxWrite, this.#ring.get(RX_READ));
    if (held > this.#rxSize) {
      this.#violation('receive');
      return;
    }
    let free = this.#rxSize - held;
    let moved = false;
    const socket = this.#socket;
    while (free > 0 && socket.readableLength > 0) {
      const chunk: Buffer | null = socket.read(Math.min(free, socket.readableLength));
      if (chunk === null) break;
      copyIn(this.#ring.rx, this.#rxWrite, chunk, 0, chunk.length);
      this.#rxWrite = (this.#rxWrite + chunk.length) >>> 0;
      free -= chunk.length;
      moved = true;
    }
    // an empty read buffer asks the host for more (and lets `end` come once all was read)
    if (socket.readableLength === 0 && !socket.readableEnded) socket.read(0);
    if (moved) {
      this.#ring.set(RX_WRITE, this.#rxWrite);
      this.#events.changed();
    }
  }

  #pumpTx(): void {
    if (this.#state !== SocketState.open || this.#ending) return;
    const written = this.#ring.get(TX_WRITE);
    const pending = SocketRing.distance(written, this.#txRead);
    const unsent = SocketRing.distance(written, this.#txSent);
    if (pending > this.#txSize || unsent > pending) {
      this.#violation('transmit');
      return;
    }
    if (unsent === 0) return;
    const chunk = Buffer.allocUnsafe(unsent);
    copyOut(this.#ring.tx, this.#txSent, chunk, 0, unsent);
    this.#txSent = (this.#txSent + unsent) >>> 0;
    this.#socket.write(chunk, (error) => {
      if (this.#destroyed || (error !== null && error !== undefined)) return;
      this.#txRead = (this.#txRead + unsent) >>> 0;
      this.#ring.set(TX_READ, this.#txRead);
      this.#events.changed();
    });
  }
}
