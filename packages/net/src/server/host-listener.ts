import type { Server, Socket } from 'node:net';

/** How a listener's ring sizes and backlog were asked for. */
export interface ListenerShape {
  readonly rxSize: number;
  readonly txSize: number;
  readonly backlog: number;
}

/**
 * One listening host socket of a Net session: the connections it accepted wait here, each already a socket of the
 * session (paid from its donation), until the client accepts them. A connection the backlog or the donation cannot
 * take is closed at once.
 */
export class HostListener {
  /** Ids of accepted connections the client has not taken yet, oldest first. */
  readonly pending: number[] = [];
  readonly #server: Server;

  /** Serves `server`, already listening at `address`:`port`. */
  constructor(
    server: Server,
    /** The bound address. */
    readonly address: string,
    /** The bound port. */
    readonly port: number,
    /** Ring sizes of accepted sockets, and the backlog. */
    readonly shape: ListenerShape,
  ) {
    this.#server = server;
  }

  /** Stops listening; the pending connections are the session's to destroy. */
  close(): void {
    this.#server.removeAllListeners('connection');
    this.#server.removeAllListeners('secureConnection');
    this.#server.close();
  }

  /** Takes the host's socket for every connection the listener gets. */
  onConnection(tls: boolean, accept: (socket: Socket) => void): void {
    this.#server.on(tls ? 'secureConnection' : 'connection', accept);
  }
}
