import { isIP, type Server, type Socket, connect as tcpConnect, createServer as createTcpServer } from 'node:net';
import { type TLSSocket, connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { Capability } from '@os/capability';
import { RpcObject, type ServerOf } from '@os/rpc';
import { type DataspaceCapability, type Env, type SessionCost, SignalHandler, numberOfBytes } from '@os/runtime';
import { AddressInUse, InvalidNetArgument, NetQuotaExhausted, PolicyDenied, SocketClosed } from '../net-errors.js';
import {
  NET_CONTROL_SIZE,
  NET_LISTENER_RAM,
  NET_MAX_BACKLOG,
  NET_MAX_HOST,
  NET_MAX_RING,
  NET_MAX_TIMEOUT_MS,
  NET_MIN_RING,
  NET_SESSION_CAPS,
  NET_SESSION_RAM,
  NET_SOCKET_CAPS,
  NetSession,
  netSocketRam,
} from '../net-session.js';
import { ringBytes } from '../socket-ring.js';
import { HostListener } from './host-listener.js';
import { HostSocket } from './host-socket.js';
import { hostErrorCode, hostErrorKind, hostErrorText } from './host-failure.js';
import type { NetPolicy } from './net-policy.js';

type Methods = ServerOf<typeof NetSession>;
type ConnectRequest = Parameters<Methods['connect']>[0];
type ListenRequest = Parameters<Methods['listen']>[0];

/** What a session needs of its server. */
export interface NetSessionContext {
  /** The server's environment: its entrypoint, RAM and thread. */
  readonly env: Env;
  /** The session's label, for messages. */
  readonly label: string;
  /** The client's policy. */
  readonly policy: NetPolicy;
  /** What the client donated so far (first request and upgrades). */
  donation(): SessionCost;
  /** Writes a line to the server's LOG. */
  log(line: string): Promise<void>;
}

const HOST_NAME = /^[A-Za-z0-9._:-]+$/;
const decoder = new TextDecoder();

function isRingSize(size: number): boolean {
  return size >= NET_MIN_RING && size <= NET_MAX_RING && (size & (size - 1)) === 0;
}

/**
 * One client's Net session: its sockets and listeners, each paid from the client's donation, and the control dataspace
 * for what does not fit a message. The host's events (data, connect, close) reach the client only as signals to its
 * context; the client's changes to a ring reach the session as signals to the session's wakeup context.
 */
export class NetSessionComponent extends RpcObject<typeof NetSession> implements Methods {
  readonly #context: NetSessionContext;
  readonly #sockets = new Map<number, HostSocket>();
  readonly #listeners = new Map<number, HostListener>();
  readonly #wakeup: SignalHandler;
  readonly #control: DataspaceCapability;
  readonly #controlBytes: Uint8Array;
  #client: Capability | null = null;
  #nextId = 1;
  #ram = NET_SESSION_RAM;
  #caps = NET_SESSION_CAPS;
  #destroyed = false;

  /** Opens the session: its wakeup signal context and control dataspace. */
  constructor(context: NetSessionContext) {
    super(NetSession);
    this.#context = context;
    const env = context.env;
    this.#control = env.ram.alloc(NET_CONTROL_SIZE);
    this.#controlBytes = env.rm.attach(this.#control);
    this.#wakeup = new SignalHandler(env.ep, () => {
      for (const socket of this.#sockets.values()) socket.pump();
    });
  }

  /** Sets the client's signal context (Net::sigh). */
  sigh(context: Capability): void {
    this.#client = context.valid() ? context : null;
    this.#changed();
  }

  /** The session's wakeup signal context (Net::wakeup). */
  wakeup(): Capability {
    return this.#wakeup.capability;
  }

  /** The control dataspace (Net::control). */
  control(): Capability {
    return this.#control;
  }

  /** Starts a connect, once the arguments, the policy and the donation allow it (Net::connect). */
  async connect(request: ConnectRequest): Promise<number> {
    const target = `${request.host}:${request.port}`;
    this.#checkHost(request.host);
    this.#checkPort(request.port, `connect to ${target}`);
    this.#checkRings(request.rxSize, request.txSize);
    if (request.timeoutMs < 1 || request.timeoutMs > NET_MAX_TIMEOUT_MS)
      throw new InvalidNetArgument(
        `connect to ${target}: timeoutMs must be 1 to ${NET_MAX_TIMEOUT_MS}, got ${request.timeoutMs}`,
      );
    const tls = request.tls;
    if (tls !== undefined) {
      if (tls.caLength > NET_CONTROL_SIZE)
        throw new InvalidNetArgument(
          `connect to ${target}: a CA of ${tls.caLength} bytes does not fit the control dataspace of ` +
            `${NET_CONTROL_SIZE} bytes`,
        );
      if (tls.servername.length > NET_MAX_HOST)
        throw new InvalidNetArgument(`connect to ${target}: servername is longer than ${NET_MAX_HOST} characters`);
    }
    const { policy, label } = this.#context;
    if (!policy.allowsConnect(request.host, request.port)) {
      await this.#context.log(`Warning: denied connect of "${label}" to ${target}: not in ${policy.where}`);
      throw new PolicyDenied(
        `connect to ${target} denied: ${policy.where} for "${label}" allows ${policy.describeConnect()}`,
      );
    }
    const ram = netSocketRam(request.rxSize, request.txSize);
    this.#afford(ram, NET_SOCKET_CAPS, `connect to ${target}`);
    let socket: Socket;
    try {
      socket =
        tls === undefined
          ? tcpConnect({ host: request.host, port: request.port, allowHalfOpen: true })
          : tlsConnect({
              host: request.host,
              port: request.port,
              rejectUnauthorized: tls.rejectUnauthorized,
              ...(tls.caLength === 0 ? {} : { ca: decoder.decode(this.#controlBytes.subarray(0, tls.caLength)) }),
              ...(tls.servername !== ''
                ? { servername: tls.servername }
                : isIP(request.host) === 0
                  ? { servername: request.host }
                  : {}),
            });
    } catch (error) {
      throw new InvalidNetArgument(`connect to ${target}: ${hostErrorText(error)}`);
    }
    return this.#adopt(socket, {
      rxSize: request.rxSize,
      txSize: request.txSize,
      ram,
      name: `connect to ${target}`,
      connectEvent: tls === undefined ? 'connect' : 'secureConnect',
      tls: tls !== undefined,
      timeoutMs: request.timeoutMs,
    });
  }

  /** Listens on a port the policy allows, at the address it names (Net::listen). */
  async listen(request: ListenRequest): Promise<number> {
    const what = `listen on port ${request.port}`;
    this.#checkPort(request.port, what);
    this.#checkRings(request.rxSize, request.txSize);
    if (request.backlog < 1 || request.backlog > NET_MAX_BACKLOG)
      throw new InvalidNetArgument(`${what}: backlog must be 1 to ${NET_MAX_BACKLOG}, got ${request.backlog}`);
    const tls = request.tls;
    if (tls !== undefined && tls.certLength + tls.keyLength > NET_CONTROL_SIZE)
      throw new InvalidNetArgument(
        `${what}: a certificate and key of ${tls.certLength + tls.keyLength} bytes do not fit the control ` +
          `dataspace of ${NET_CONTROL_SIZE} bytes`,
      );
    const { policy, label } = this.#context;
    const address = policy.listenAddress(request.port);
    if (address === null) {
      await this.#context.log(`Warning: denied listen of "${label}" on port ${request.port}: not in ${policy.where}`);
      throw new PolicyDenied(`${what} denied: ${policy.where} for "${label}" allows ${policy.describeListen()}`);
    }
    this.#afford(NET_LISTENER_RAM, 0, what);
    let server: Server;
    try {
      server =
        tls === undefined
          ? createTcpServer({ allowHalfOpen: true, pauseOnConnect: false })
          : createTlsServer({
              allowHalfOpen: true,
              cert: decoder.decode(this.#controlBytes.subarray(0, tls.certLength)),
              key: decoder.decode(this.#controlBytes.subarray(tls.certLength, tls.certLength + tls.keyLength)),
            });
    } catch (error) {
      throw new InvalidNetArgument(`${what}: the certificate or key does not load: ${hostErrorText(error)}`);
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: request.port, host: address, backlog: request.backlog }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      const kind = hostErrorKind(error, false);
      const text = `${what} at ${address}: ${hostErrorCode(error)}: ${hostErrorText(error)}`;
      throw kind === 'address-in-use' ? new AddressInUse(text) : new InvalidNetArgument(text);
    });
    // a listener that fails later stops taking connections; its sockets go on
    server.on('error', () => undefined);
    const id = this.#nextId++;
    const listener = new HostListener(server, address, request.port, {
      rxSize: request.rxSize,
      txSize: request.txSize,
      backlog: request.backlog,
    });
    listener.onConnection(tls !== undefined, (socket) => this.#incoming(listener, socket));
    this.#listeners.set(id, listener);
    this.#ram += NET_LISTENER_RAM;
    return id;
  }

  /** Hands the client the oldest connection its listener accepted, or 0 when there is none (Net::accept). */
  accept(id: number): number {
    const listener = this.#listeners.get(id);
    if (listener === undefined) throw new SocketClosed(`accept on listener ${id}: no such listener in this session`);
    return listener.pending.shift() ?? 0;
  }

  /** The dataspace of socket `id` (Net::dataspace). */
  dataspace(id: number): Capability {
    return new Capability(this.#socket(id, 'dataspace').dataspace);
  }

  /** Why socket `id` failed (Net::failure). */
  failure(id: number): { kind: string; message: string } {
    return this.#socket(id, 'failure').failure ?? { kind: 'failed', message: '' };
  }

  /** Where socket or listener `id` is bound and connected (Net::addresses). */
  addresses(id: number): ReturnType<HostSocket['addresses']> {
    const listener = this.#listeners.get(id);
    if (listener !== undefined)
      return { localAddress: listener.address, localPort: listener.port, remoteAddress: '', remotePort: 0 };
    return this.#socket(id, 'addresses').addresses();
  }

  /** Half-closes socket `id` once its transmit ring is sent (Net::end). */
  end(id: number): void {
    this.#socket(id, 'end').end();
  }

  /** Closes socket or listener `id` and frees what it held (Net::close). */
  close(id: number): void {
    const listener = this.#listeners.get(id);
    if (listener !== undefined) {
      this.#listeners.delete(id);
      listener.close();
      for (const pending of listener.pending) this.#closeSocket(pending);
      this.#ram -= NET_LISTENER_RAM;
      return;
    }
    this.#closeSocket(id);
  }

  /** Closes every socket and listener and frees the session's dataspace and signal context (the session closed). */
  destroy(): void {
    this.#destroyed = true;
    for (const id of [...this.#listeners.keys(), ...this.#sockets.keys()]) this.close(id);
    this.#wakeup.dispose();
    this.#context.env.ram.free(this.#control);
  }

  #socket(id: number, what: string): HostSocket {
    const socket = this.#sockets.get(id);
    if (socket === undefined) throw new SocketClosed(`${what} of socket ${id}: no such socket in this session`);
    return socket;
  }

  #closeSocket(id: number): void {
    const socket = this.#sockets.get(id);
    if (socket === undefined) return;
    this.#sockets.delete(id);
    socket.destroy();
    this.#context.env.thread.dissolve(socket.dataspace);
    this.#ram -= socket.ram;
    this.#caps -= NET_SOCKET_CAPS;
  }

  #changed(): void {
    const client = this.#client;
    if (this.#destroyed || client === null) return;
    const thread = this.#context.env.thread;
    if (thread.valid(client.rawSelector)) thread.submitSignal(client.rawSelector);
  }

  #checkHost(host: string): void {
    if (host.length === 0 || host.length > NET_MAX_HOST || !HOST_NAME.test(host))
      throw new InvalidNetArgument(
        `connect: host "${host.slice(0, 64)}" is not a host name or address (1 to ${NET_MAX_HOST} letters, digits, ` +
          `".", "-", ":", "_")`,
      );
  }

  #checkPort(port: number, what: string): void {
    if (port < 1 || port > 65535) throw new InvalidNetArgument(`${what}: port must be 1 to 65535, got ${port}`);
  }

  #checkRings(rx: number, tx: number): void {
    for (const [name, size] of [
      ['rxSize', rx],
      ['txSize', tx],
    ] as const)
      if (!isRingSize(size))
        throw new InvalidNetArgument(
          `${name} must be a power of two from ${NET_MIN_RING} to ${NET_MAX_RING} bytes, got ${size}`,
        );
  }

  /** Refuses with {@link NetQuotaExhausted} when the donation does not hold `ram` and `caps` more. */
  #afford(ram: number, caps: number, what: string): void {
    const donated = this.#context.donation();
    const freeRam = donated.ram - this.#ram;
    const freeCaps = donated.caps - this.#caps;
    if (ram <= freeRam && caps <= freeCaps) return;
    throw new NetQuotaExhausted(
      `${what}: needs ${numberOfBytes(ram)} of RAM and ${caps} ${caps === 1 ? 'capability' : 'capabilities'}; ` +
        `the session's donation of ${numberOfBytes(donated.ram)} and ${donated.caps} capabilities has ` +
        `${numberOfBytes(Math.max(0, freeRam))} and ${Math.max(0, freeCaps)} left: close a socket or upgrade the ` +
        'connection',
    );
  }

  #adopt(
    socket: Socket | TLSSocket,
    shape: {
      rxSize: number;
      txSize: number;
      ram: number;
      name: string;
      connectEvent: 'connect' | 'secureConnect' | null;
      tls: boolean;
      timeoutMs?: number;
    },
  ): number {
    const thread = this.#context.env.thread;
    let dataspace: number;
    try {
      dataspace = thread.allocDataspace(ringBytes(shape.rxSize, shape.txSize));
    } catch (error) {
      socket.on('error', () => undefined);
      socket.destroy();
      throw new NetQuotaExhausted(`${shape.name}: the server could not allocate the rings: ${hostErrorText(error)}`);
    }
    const id = this.#nextId++;
    const host = new HostSocket({
      socket,
      dataspace,
      bytes: thread.attach(dataspace),
      rxSize: shape.rxSize,
      txSize: shape.txSize,
      ram: shape.ram,
      name: shape.name,
      events: { changed: () => this.#changed() },
      connectEvent: shape.connectEvent,
      tls: shape.tls,
      ...(shape.timeoutMs === undefined ? {} : { timeoutMs: shape.timeoutMs }),
    });
    this.#sockets.set(id, host);
    this.#ram += shape.ram;
    this.#caps += NET_SOCKET_CAPS;
    return id;
  }

  #incoming(listener: HostListener, socket: Socket): void {
    const from = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const name = `connection from ${from} to port ${listener.port}`;
    const { rxSize, txSize, backlog } = listener.shape;
    const ram = netSocketRam(rxSize, txSize);
    let refusal: string | null = null;
    if (listener.pending.length >= backlog) refusal = `its backlog of ${backlog} is full`;
    else {
      try {
        this.#afford(ram, NET_SOCKET_CAPS, name);
      } catch (error) {
        refusal = (error as Error).message;
      }
    }
    if (refusal !== null) {
      socket.on('error', () => undefined);
      socket.destroy();
      void this.#context.log(`Warning: closed ${name} of "${this.#context.label}": ${refusal}`).catch(() => undefined);
      return;
    }
    try {
      listener.pending.push(this.#adopt(socket, { rxSize, txSize, ram, name, connectEvent: null, tls: false }));
    } catch {
      return;
    }
    this.#changed();
  }
}
