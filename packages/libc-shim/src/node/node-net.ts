import type { NetListener, NetSocket, TlsClientOptions } from '@os/net';
import type { NodeTimers, ShimTimeout } from '../node-timers.js';
import type { NetAccess } from './net-access.js';
import { nodeArgumentError, nodeNetError } from './node-errors.js';
import type { NodePolyfills } from './node-polyfills.js';
import type { ProgramHandle, ProgramHandles } from './program-handles.js';

/** What a program's `net` and `tls` modules are made of: its own polyfills, timers, handles and Net session. */
export interface NodeNetParts {
  readonly polyfills: NodePolyfills;
  readonly timers: NodeTimers;
  readonly handles: ProgramHandles;
  readonly access: NetAccess;
}

/** What the shim's socket uses of the polyfill Duplex it extends. */
interface DuplexBase {
  readonly destroyed: boolean;
  push(chunk: Uint8Array | null): boolean;
  destroy(error?: Error): this;
  emit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: never[]) => void): this;
  once(event: string, listener: (...args: never[]) => void): this;
}

/** What the shim's server uses of the polyfill EventEmitter it extends. */
interface EmitterBase {
  emit(event: string, ...args: unknown[]): boolean;
  once(event: string, listener: (...args: never[]) => void): this;
}

type Callback = (error?: Error | null) => void;

interface ConnectRequest {
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsClientOptions;
  readonly listener?: () => void;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** `net.isIP`: 4, 6, or 0 for anything that is not an address. */
export function isIP(input: unknown): 0 | 4 | 6 {
  if (typeof input !== 'string') return 0;
  if (IPV4.test(input)) return 4;
  if (!/^[0-9a-fA-F:.]+$/.test(input) || !input.includes(':')) return 0;
  try {
    new URL(`http://[${input}]/`);
    return 6;
  } catch {
    return 0;
  }
}

function checkPort(port: unknown, what: string): number {
  const value = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535)
    throw nodeArgumentError(
      'ERR_SOCKET_BAD_PORT',
      `${what}: port should be >= 0 and < 65536. Received ${String(port)}.`,
    );
  return value;
}

/** The arguments of `connect(options[, listener])` or `connect(port[, host][, listener])`. */
function connectRequest(args: readonly unknown[]): ConnectRequest {
  const [first, second, third] = args;
  const listener = [second, third].find((arg) => typeof arg === 'function') as (() => void) | undefined;
  if (typeof first === 'object' && first !== null) {
    const options = first as { port?: unknown; host?: unknown; path?: unknown };
    if (options.path !== undefined && options.port === undefined)
      throw nodeArgumentError(
        'ERR_INVALID_ARG_VALUE',
        `connect to path ${String(options.path)}: local (IPC) sockets are not offered; the Net session speaks TCP`,
      );
    const host = options.host === undefined || options.host === null ? 'localhost' : String(options.host);
    return { host, port: checkPort(options.port, 'connect'), ...(listener === undefined ? {} : { listener }) };
  }
  const host = typeof second === 'string' ? second : 'localhost';
  return { host, port: checkPort(first, 'connect'), ...(listener === undefined ? {} : { listener }) };
}

/** A copy of what a Buffer, Uint8Array or string holds, as text. */
function pemText(value: unknown, decoder: { decode(bytes: Uint8Array): string }): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return decoder.decode(value);
  if (Array.isArray(value)) return value.map((part) => pemText(part, decoder)).join('\n');
  throw nodeArgumentError('ERR_INVALID_ARG_TYPE', 'tls: ca must be a string, a Buffer, or an array of them');
}

/**
 * The TLS options of `tls.connect(options)` as the Net session takes them: `ca`, `servername`, `rejectUnauthorized`.
 * TLS ends in the net server, which holds no client certificate for the program: `key`, `cert` and `pfx` are refused,
 * as is a `socket` to wrap (the session connects itself).
 */
export function tlsClientOptions(options: Readonly<Record<string, unknown>>): TlsClientOptions {
  for (const name of ['key', 'cert', 'pfx', 'socket'] as const)
    if (options[name] !== undefined && options[name] !== null)
      throw nodeArgumentError(
        'ERR_INVALID_ARG_VALUE',
        `tls.connect: the ${name} option is not offered: TLS ends in the net server, which connects itself and ` +
          'holds no client certificate for the program',
      );
  const decoder = new TextDecoder();
  const servername = options['servername'];
  return {
    ...(options['ca'] === undefined ? {} : { ca: pemText(options['ca'], decoder) }),
    ...(typeof servername === 'string' && servername !== '' ? { servername } : {}),
    rejectUnauthorized: options['rejectUnauthorized'] !== false,
  };
}

/** A program's `net` module and the pieces its `tls` module builds on. */
export interface NodeNet {
  /** `net.Socket`. */
  readonly Socket: new (
    options?: object,
  ) => object;
  /** `tls.TLSSocket`. */
  readonly TLSSocket: new (
    options?: object,
  ) => object;
  /** `net.Server`. */
  readonly Server: new (
    options?: object,
    listener?: (socket: object) => void,
  ) => object;
  /** The `net` module's functions and classes. */
  readonly module: Readonly<Record<string, unknown>>;
  /** `tls.connect`. */
  readonly tlsConnect: (...args: unknown[]) => object;
}

/**
 * Makes a program's `net` module: sockets and servers on its Net session, as classes of its own (they extend its own
 * polyfill Duplex and EventEmitter), so nothing of them is shared with another program.
 */
export function nodeNet(parts: NodeNetParts): NodeNet {
  const { polyfills, timers, handles, access } = parts;
  const { Buffer } = polyfills.buffer;
  const Duplex = polyfills.stream.Duplex as unknown as new (options?: object) => DuplexBase;
  const EventEmitter = polyfills.events as unknown as new () => EmitterBase;
  let attach: (socket: Socket, opened: NetSocket) => void = () => undefined;

  /** `net.Socket`: a TCP connection through the program's Net session. */
  class Socket extends Duplex {
    connecting = false;
    remoteAddress: string | undefined;
    remotePort: number | undefined;
    remoteFamily: string | undefined;
    localAddress: string | undefined;
    localPort: number | undefined;
    bytesRead = 0;
    bytesWritten = 0;
    #socket: NetSocket | null = null;
    #opening: Promise<NetSocket> | null = null;
    #handle: ProgramHandle | null = null;
    #referenced = true;
    #reading = false;
    #wantsData = false;
    #timeoutMs = 0;
    #timeout: ShimTimeout | null = null;

    static {
      attach = (socket, opened) => socket.#open(opened);
    }

    constructor(options: { allowHalfOpen?: boolean } = {}) {
      super({ allowHalfOpen: options.allowHalfOpen === true, emitClose: true, autoDestroy: true });
    }

    /** `'opening'`, `'open'`, `'readOnly'`, `'writeOnly'` or `'closed'`, as in Node (simplified). */
    get readyState(): string {
      if (this.connecting) return 'opening';
      return this.#socket === null || this.destroyed ? 'closed' : 'open';
    }

    /** Whether no connect has been made yet. */
    get pending(): boolean {
      return this.#socket === null;
    }

    /** Connects through the Net session: `connect(options[, listener])` or `connect(port[, host][, listener])`. */
    connect(...args: unknown[]): this {
      const request = connectRequest(args);
      return this._connectTo(request);
    }

    /** @internal the connect of `net.connect` and `tls.connect`. */
    _connectTo(request: ConnectRequest): this {
      if (this.connecting || this.#socket !== null)
        throw nodeArgumentError('ERR_SOCKET_CONNECTING', 'connect: the socket is already connecting or connected');
      this.connecting = true;
      this.#hold();
      if (request.listener !== undefined)
        this.once(request.tls === undefined ? 'connect' : 'secureConnect', request.listener);
      const opening = access.connection().then((connection) =>
        connection.connect({
          host: request.host,
          port: request.port,
          ...(request.tls === undefined ? {} : { tls: request.tls }),
        }),
      );
      this.#opening = opening;
      opening.then(
        (opened) => {
          if (this.destroyed) {
            void opened.close().catch(() => undefined);
            return;
          }
          this.#open(opened, request.tls !== undefined);
        },
        (error: unknown) => {
          this.connecting = false;
          if (!this.destroyed) this.destroy(nodeNetError(error, 'connect', request.host, request.port));
        },
      );
      return this;
    }

    /** Accepted for compatibility: Nagle's algorithm is the net server's business. */
    setNoDelay(_noDelay?: boolean): this {
      return this;
    }

    /** Accepted for compatibility: keep-alive probes are the net server's business. */
    setKeepAlive(_enable?: boolean, _delay?: number): this {
      return this;
    }

    /** Emits `timeout` after `ms` milliseconds without activity (0 turns it off), on the program's timers. */
    setTimeout(ms: number, callback?: () => void): this {
      const delay = Number(ms);
      this.#timeoutMs = Number.isFinite(delay) && delay > 0 ? delay : 0;
      if (callback !== undefined) this.once('timeout', callback);
      this.#touch();
      return this;
    }

    /** Keeps the program alive while the socket is open (the default). */
    ref(): this {
      this.#referenced = true;
      this.#handle?.ref();
      return this;
    }

    /** Lets the program end although the socket is open. */
    unref(): this {
      this.#referenced = false;
      this.#handle?.unref();
      return this;
    }

    /** This end's address, as `{ address, family, port }`, or `{}` while not connected. */
    address(): { address?: string; family?: string; port?: number } {
      if (this.localAddress === undefined) return {};
      return {
        address: this.localAddress,
        family: isIP(this.localAddress) === 6 ? 'IPv6' : 'IPv4',
        port: this.localPort ?? 0,
      };
    }

    /** @internal */
    _read(): void {
      this.#wantsData = true;
      if (this.#socket !== null && !this.#reading) void this.#pull(this.#socket);
    }

    /** @internal */
    _write(chunk: Uint8Array | string, _encoding: string, callback: Callback): void {
      this.#touch();
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, _encoding) : chunk;
      this.#opened()
        .then((socket) => socket.write(bytes))
        .then(
          () => {
            this.bytesWritten += bytes.length;
            callback();
          },
          (error: unknown) => callback(nodeNetError(error, 'write', this.remoteAddress, this.remotePort)),
        );
    }

    /** @internal */
    _final(callback: Callback): void {
      this.#opened()
        .then((socket) => socket.end())
        .then(
          () => callback(),
          (error: unknown) => callback(nodeNetError(error, 'shutdown', this.remoteAddress, this.remotePort)),
        );
    }

    /** @internal */
    _destroy(error: Error | null, callback: Callback): void {
      this.connecting = false;
      this.#clearTimeout();
      this.#handle?.release();
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

    #hold(): void {
      this.#handle ??= handles.hold();
      if (!this.#referenced) this.#handle.unref();
    }

    #opened(): Promise<NetSocket> {
      if (this.#socket !== null) return Promise.resolve(this.#socket);
      if (this.#opening !== null) return this.#opening;
      return Promise.reject(nodeArgumentError('ERR_SOCKET_CLOSED', 'the socket is not connected'));
    }

    #open(opened: NetSocket, secure = false): void {
      this.#hold();
      this.#socket = opened;
      opened.addresses().then(
        (addresses) => {
          if (this.destroyed) return;
          this.connecting = false;
          this.remoteAddress = addresses.remoteAddress;
          this.remotePort = addresses.remotePort;
          this.remoteFamily = isIP(addresses.remoteAddress) === 6 ? 'IPv6' : 'IPv4';
          this.localAddress = addresses.localAddress;
          this.localPort = addresses.localPort;
          this.#touch();
          this.emit('connect');
          if (secure) this.emit('secureConnect');
          this.emit('ready');
          if (this.#wantsData && !this.#reading) void this.#pull(opened);
        },
        (error: unknown) => {
          if (!this.destroyed) this.destroy(nodeNetError(error, 'connect', this.remoteAddress, this.remotePort));
        },
      );
    }

    async #pull(socket: NetSocket): Promise<void> {
      this.#reading = true;
      try {
        for (;;) {
          const chunk = await socket.read();
          if (this.destroyed) return;
          this.#touch();
          if (chunk === null) {
            this.push(null);
            return;
          }
          this.bytesRead += chunk.length;
          if (!this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))) {
            this.#wantsData = false;
            return;
          }
        }
      } catch (error) {
        if (!this.destroyed) this.destroy(nodeNetError(error, 'read', this.remoteAddress, this.remotePort));
      } finally {
        this.#reading = false;
      }
    }

    #touch(): void {
      this.#clearTimeout();
      if (this.#timeoutMs > 0 && !this.destroyed)
        this.#timeout = timers.setTimeout(() => this.emit('timeout'), this.#timeoutMs).unref();
    }

    #clearTimeout(): void {
      if (this.#timeout !== null) timers.clearTimeout(this.#timeout);
      this.#timeout = null;
    }
  }

  /** `tls.TLSSocket`: a socket whose TLS ends in the net server. */
  class TLSSocket extends Socket {
    /** Always true. */
    readonly encrypted = true;
    /** Whether the peer's certificate was verified (the connect asked for `rejectUnauthorized`, and succeeded). */
    authorized = false;
    /** Why it was not; the net server does not tell, so this stays undefined. */
    authorizationError: Error | undefined;
  }

  /** `net.Server`: listens on a port the net server's policy allows, through the program's Net session. */
  class Server extends EventEmitter {
    listening = false;
    #listener: NetListener | null = null;
    #handle: ProgramHandle | null = null;
    #referenced = true;
    #address: { address: string; family: string; port: number } | null = null;

    constructor(options?: object | ((socket: Socket) => void), listener?: (socket: Socket) => void) {
      super();
      const onConnection = (typeof options === 'function' ? options : listener) as
        | ((socket: Socket) => void)
        | undefined;
      if (onConnection !== undefined) (this as unknown as DuplexBase).on('connection', onConnection);
    }

    /** `listen(port[, host][, backlog][, callback])` or `listen({ port, backlog }[, callback])`. */
    listen(...args: unknown[]): this {
      const [first] = args;
      const callback = args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      const options =
        typeof first === 'object' && first !== null ? (first as { port?: unknown; backlog?: unknown }) : null;
      const port = checkPort(options === null ? first : options.port, 'listen');
      const backlogArg =
        options === null ? args.find((arg, index) => index > 0 && typeof arg === 'number') : options.backlog;
      const backlog = typeof backlogArg === 'number' && backlogArg >= 1 ? Math.min(Math.floor(backlogArg), 64) : 4;
      if (callback !== undefined) this.once('listening', callback);
      this.#handle = handles.hold();
      if (!this.#referenced) this.#handle.unref();
      access
        .connection()
        .then((connection) => {
          if (port === 0)
            throw nodeArgumentError(
              'ERR_INVALID_ARG_VALUE',
              'listen on port 0 (any free port) is not offered: the net server listens on the ports its policy names',
            );
          return connection.listen({ port, backlog });
        })
        .then(async (listener) => {
          this.#listener = listener;
          const bound = await listener.addresses();
          this.#address = { address: bound.localAddress, family: 'IPv4', port: bound.localPort };
          this.listening = true;
          this.emit('listening');
          await this.#accept(listener);
        })
        .catch((error: unknown) => {
          this.listening = false;
          this.#handle?.release();
          this.emit('error', nodeNetError(error, 'listen', this.#address?.address, port));
        });
      return this;
    }

    /** Where it listens: `{ address, family, port }`, or null before it does. */
    address(): { address: string; family: string; port: number } | null {
      return this.#address === null ? null : { ...this.#address };
    }

    /** Stops listening; `close` follows (connections already accepted go on). */
    close(callback?: Callback): this {
      if (callback !== undefined) this.once('close', callback);
      const listener = this.#listener;
      this.#listener = null;
      this.listening = false;
      this.#handle?.release();
      if (listener === null) {
        queueMicrotask(() => this.emit('close'));
        return this;
      }
      listener.close().then(
        () => this.emit('close'),
        () => this.emit('close'),
      );
      return this;
    }

    /** Keeps the program alive while listening (the default). */
    ref(): this {
      this.#referenced = true;
      this.#handle?.ref();
      return this;
    }

    /** Lets the program end although the server listens. */
    unref(): this {
      this.#referenced = false;
      this.#handle?.unref();
      return this;
    }

    async #accept(listener: NetListener): Promise<void> {
      for (;;) {
        let accepted: NetSocket;
        try {
          accepted = await listener.accept();
        } catch (error) {
          if (this.#listener !== listener) return;
          throw error;
        }
        const socket = new Socket();
        attach(socket, accepted);
        this.emit('connection', socket);
      }
    }
  }

  const connect = (...args: unknown[]): Socket => new Socket().connect(...args);
  const tlsConnect = (...args: unknown[]): TLSSocket => {
    const [first, second, third] = args;
    const options: Record<string, unknown> =
      typeof first === 'object' && first !== null
        ? { ...(first as Record<string, unknown>) }
        : {
            ...(typeof third === 'object' && third !== null ? (third as Record<string, unknown>) : {}),
            port: first,
            ...(typeof second === 'string' ? { host: second } : {}),
          };
    const listener = args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    const tls = tlsClientOptions(options);
    const socket = new TLSSocket();
    socket.authorized = tls.rejectUnauthorized !== false;
    const request = connectRequest([options]);
    return socket._connectTo({ ...request, tls, ...(listener === undefined ? {} : { listener }) });
  };
  const module = {
    Socket,
    Stream: Socket,
    Server,
    connect,
    createConnection: connect,
    createServer: (options?: object, listener?: (socket: Socket) => void): Server => new Server(options, listener),
    isIP,
    isIPv4: (input: unknown): boolean => isIP(input) === 4,
    isIPv6: (input: unknown): boolean => isIP(input) === 6,
  };
  return { Socket, TLSSocket, Server, module, tlsConnect };
}
