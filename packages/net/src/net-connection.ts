import type { Capability } from '@os/capability';
import type { BlockingSignal, RegionMap } from '@os/runtime';
import { Connection, type SessionArgs, type SessionEnv, requestSession } from '@os/session';
import { InvalidNetArgument, type NetError } from './net-errors.js';
import { type ListenerOwner, NetListener } from './net-listener.js';
import {
  NET_CONTROL_SIZE,
  NET_DEFAULT_TIMEOUT_MS,
  NET_LISTENER_RAM,
  NET_MAX_RING,
  NET_MIN_RING,
  NET_SESSION_CAPS,
  NET_SESSION_RAM,
  NET_SOCKET_CAPS,
  NetSession,
  netSocketRam,
} from './net-session.js';
import { NetSocket, type SocketAddresses, type SocketOwner, failureError } from './net-socket.js';
import { RX_SIZE, TX_SIZE } from './socket-ring.js';

/** What a Net connection needs of the component's environment (the runtime's `Env` has it). */
export interface NetEnv extends SessionEnv {
  /** A signal to wait on while the entrypoint stays blocked: the server's signals arrive on it. */
  blockingSignal(): BlockingSignal;
  /** Attaches the sockets' dataspaces. */
  readonly rm: RegionMap;
}

/** How to open a Net connection. */
export interface NetConnectionOptions {
  /** The session's label (what the net server's policies match, after the parents' names). Default empty. */
  readonly label?: string;
  /** How many sockets (accepted ones included) the donation pays for at once. Default 2. */
  readonly sockets?: number;
  /** How many listeners the donation pays for at once. Default 0. */
  readonly listeners?: number;
  /** Bytes of each socket's receive ring and of its transmit ring, rounded up to a power of two. Default 16 KiB. */
  readonly bufferSize?: number;
}

/** TLS options of a connect. */
export interface TlsClientOptions {
  /** The CA certificate(s), PEM, the peer's certificate must chain to; default the host's trusted CAs. */
  readonly ca?: string;
  /** The name the peer's certificate must carry (SNI); default the host name of the connect. */
  readonly servername?: string;
  /** Whether a certificate that does not verify fails the handshake. Default true. */
  readonly rejectUnauthorized?: boolean;
}

/** What to connect to. */
export interface ConnectOptions {
  /** Host name or address, as the net server's policy names it. */
  readonly host: string;
  /** Port, 1 to 65535. */
  readonly port: number;
  /** Speak TLS over the connection (`true`: with the defaults). */
  readonly tls?: TlsClientOptions | boolean;
  /** Fail with `NetTimedOut` when not connected after this many milliseconds. Default 30 000. */
  readonly timeoutMs?: number;
  /** Ring size for this socket, in place of the connection's `bufferSize`. */
  readonly bufferSize?: number;
}

/** TLS options of a listener: the server's certificate chain and private key, PEM. */
export interface TlsServerOptions {
  /** The certificate chain, PEM. */
  readonly cert: string;
  /** The private key, PEM. */
  readonly key: string;
}

/** What to listen on. */
export interface ListenOptions {
  /** Port, 1 to 65535, as the net server's policy allows. */
  readonly port: number;
  /** How many connections may wait to be accepted. Default 4. */
  readonly backlog?: number;
  /** Serve TLS on the port. */
  readonly tls?: TlsServerOptions;
  /** Ring size of accepted sockets, in place of the connection's `bufferSize`. */
  readonly bufferSize?: number;
}

const DEFAULT_BUFFER = 16 * 1024;
const encoder = new TextEncoder();

/** The power-of-two ring size for `size` bytes, or an {@link InvalidNetArgument}. */
function ringSize(size: number): number {
  if (!(size > 0 && size <= NET_MAX_RING))
    throw new InvalidNetArgument(`bufferSize must be 1 to ${NET_MAX_RING} bytes, got ${size}`);
  return Math.max(NET_MIN_RING, 2 ** Math.ceil(Math.log2(size)));
}

/**
 * A connection to the Net service: TCP and TLS connections and listeners through the one component that holds the
 * host's network, each socket's buffers paid from this connection's donation (`sockets` sockets of `bufferSize`).
 * The server's signals arrive on a blocking signal of the component, so a component may wait for the network inside
 * `construct`.
 */
export class NetConnection extends Connection<typeof NetSession> {
  readonly #env: NetEnv;
  readonly #bufferSize: number;
  readonly #signal: BlockingSignal;
  #wakeup: Capability | null = null;
  #control: Uint8Array = new Uint8Array(0);
  #controlBusy: Promise<void> = Promise.resolve();
  #waiters: (() => void)[] = [];
  #gone = false;

  private constructor(env: NetEnv, id: number, capability: Capability, args: SessionArgs, bufferSize: number) {
    super(env, NetSession, id, capability, args);
    this.#env = env;
    this.#bufferSize = bufferSize;
    this.#signal = env.blockingSignal();
  }

  /** What a session with these options donates: `{ ram, caps }`. */
  static donation(options: NetConnectionOptions = {}): { ram: number; caps: number } {
    const buffer = ringSize(options.bufferSize ?? DEFAULT_BUFFER);
    const sockets = options.sockets ?? 2;
    const listeners = options.listeners ?? 0;
    return {
      ram: NET_SESSION_RAM + sockets * netSocketRam(buffer, buffer) + listeners * NET_LISTENER_RAM,
      caps: NET_SESSION_CAPS + sockets * NET_SOCKET_CAPS,
    };
  }

  /** Opens a Net session donating for `options.sockets` sockets of `options.bufferSize`. */
  static async open(env: NetEnv, options: NetConnectionOptions = {}): Promise<NetConnection> {
    const { ram, caps } = NetConnection.donation(options);
    const { id, capability, args } = await requestSession(env, {
      service: 'Net',
      label: options.label ?? '',
      ram,
      caps,
    });
    const connection = new NetConnection(env, id, capability, args, ringSize(options.bufferSize ?? DEFAULT_BUFFER));
    try {
      await connection.#setUp();
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  /** Connects to `options.host`:`options.port` (over TLS when asked); rejects with the typed error of a failure. */
  async connect(options: ConnectOptions): Promise<NetSocket> {
    const size = ringSize(options.bufferSize ?? this.#bufferSize);
    const tls = options.tls === true ? {} : options.tls === false ? undefined : options.tls;
    const id = await this.#withControl(async () => {
      let caLength = 0;
      if (tls?.ca !== undefined) caLength = this.#putControl([tls.ca], `the CA of connect to ${options.host}`);
      return this.session.connect({
        host: options.host,
        port: options.port,
        rxSize: size,
        txSize: size,
        timeoutMs: options.timeoutMs ?? NET_DEFAULT_TIMEOUT_MS,
        tls:
          tls === undefined
            ? undefined
            : { caLength, servername: tls.servername ?? '', rejectUnauthorized: tls.rejectUnauthorized ?? true },
      });
    });
    const socket = await this.#socket(id, `${options.host}:${options.port}`);
    try {
      await socket.opened();
    } catch (error) {
      await socket.close();
      throw error;
    }
    return socket;
  }

  /** Listens on `options.port` (bound when this resolves); `accept` on the listener hands out its connections. */
  async listen(options: ListenOptions): Promise<NetListener> {
    const size = ringSize(options.bufferSize ?? this.#bufferSize);
    const tls = options.tls;
    const id = await this.#withControl(async () => {
      let lengths: { certLength: number; keyLength: number } | undefined;
      if (tls !== undefined) {
        const certLength = encoder.encode(tls.cert).length;
        const total = this.#putControl([tls.cert, tls.key], `the certificate and key of listen on ${options.port}`);
        lengths = { certLength, keyLength: total - certLength };
      }
      return this.session.listen({
        port: options.port,
        backlog: options.backlog ?? 4,
        rxSize: size,
        txSize: size,
        tls: lengths,
      });
    });
    return new NetListener(this.#listenerOwner(), id, options.port);
  }

  /** Closes the session: every socket and listener of it closes at the server, and the donation comes back. */
  override async close(): Promise<void> {
    this.#gone = true;
    this.#wakeAll();
    await super.close();
  }

  async #setUp(): Promise<void> {
    this.#wakeup = await this.session.wakeup();
    const control: Capability = await this.session.control();
    this.#control = this.#env.rm.attach(control.cast());
    await this.session.sigh(this.#signal.capability);
    void this.#deliver();
  }

  /** Hands every signal of the server to whoever waits for a change. */
  async #deliver(): Promise<void> {
    while (!this.#gone) {
      await this.#signal.wait();
      this.#wakeAll();
    }
  }

  #wakeAll(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #nextChange(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    if (this.#gone || this.#wakeup === null) return;
    this.#env.thread.submitSignal(this.#wakeup.selector);
  }

  /** Runs `work` while no other request uses the control dataspace. */
  #withControl<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#controlBusy.then(work);
    this.#controlBusy = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Writes `texts` one after the other into the control dataspace; returns their length in bytes. */
  #putControl(texts: readonly string[], what: string): number {
    const bytes = texts.map((text) => encoder.encode(text));
    const total = bytes.reduce((sum, part) => sum + part.length, 0);
    if (total > this.#control.length)
      throw new InvalidNetArgument(`${what}: ${total} bytes do not fit the ${NET_CONTROL_SIZE} bytes the session has`);
    let offset = 0;
    for (const part of bytes) {
      this.#control.set(part, offset);
      offset += part.length;
    }
    return total;
  }

  async #socket(id: number, name: string): Promise<NetSocket> {
    const dataspace: Capability = await this.session.dataspace(id);
    const bytes = this.#env.rm.attach(dataspace.cast());
    const header = new DataView(bytes.buffer, bytes.byteOffset, 32);
    const rx = header.getUint32(RX_SIZE, true);
    const tx = header.getUint32(TX_SIZE, true);
    return new NetSocket(this.#socketOwner(), id, name, bytes, rx, tx);
  }

  #socketOwner(): SocketOwner {
    return {
      nextChange: () => this.#nextChange(),
      wake: () => this.#wake(),
      failure: async (id: number): Promise<NetError> => failureError(await this.session.failure(id)),
      end: (id: number) => this.session.end(id),
      close: (id: number) => this.session.close(id),
      addresses: (id: number): Promise<SocketAddresses> => this.session.addresses(id),
      isClosed: () => this.#gone,
    };
  }

  #listenerOwner(): ListenerOwner {
    return {
      nextChange: () => this.#nextChange(),
      take: async (listener: number): Promise<NetSocket | null> => {
        const id = await this.session.accept(listener);
        if (id === 0) return null;
        const { remoteAddress, remotePort } = await this.session.addresses(id);
        return this.#socket(id, `connection from ${remoteAddress}:${remotePort}`);
      },
      close: (id: number) => this.session.close(id),
      addresses: (id: number): Promise<SocketAddresses> => this.session.addresses(id),
      isClosed: () => this.#gone,
    };
  }
}
