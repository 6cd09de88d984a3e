import { codec, defineInterface, method } from '@os/rpc';
import { AddressInUse, InvalidNetArgument, NetQuotaExhausted, PolicyDenied, SocketClosed } from './net-errors.js';

/** Bytes of a session's control dataspace: where a client puts what does not fit a message (certificates, keys). */
export const NET_CONTROL_SIZE = 16 * 1024;
/** The smallest ring a socket may have, in bytes. */
export const NET_MIN_RING = 256;
/** The largest ring a socket may have, in bytes. */
export const NET_MAX_RING = 1024 * 1024;
/** The longest host name a client may name (DNS's limit). */
export const NET_MAX_HOST = 253;
/** The longest connect timeout a client may ask for, in milliseconds (10 minutes). */
export const NET_MAX_TIMEOUT_MS = 600_000;
/** The connect timeout when a client names none, in milliseconds. */
export const NET_DEFAULT_TIMEOUT_MS = 30_000;
/** The most connections a listener may hold unaccepted. */
export const NET_MAX_BACKLOG = 64;
/**
 * RAM the server sets aside per socket for what the host's network stack holds outside the rings: Node reads up to
 * 64 KiB from the host at a time and stops once its read buffer is not empty.
 */
export const NET_HOST_READ_RESERVE = 64 * 1024;
/** RAM a session costs before any socket: its control dataspace and the server's bookkeeping. */
export const NET_SESSION_RAM = NET_CONTROL_SIZE + 4096;
/** Capabilities a session costs before any socket: the session object, its wakeup signal, its control dataspace. */
export const NET_SESSION_CAPS = 3;
/** Capabilities each socket costs: its dataspace. */
export const NET_SOCKET_CAPS = 1;

/** Rounds `size` up to a whole number of 4 KiB pages. */
function pageRound(size: number): number {
  return Math.ceil(size / 4096) * 4096;
}

/**
 * RAM one socket with rings of `rx` and `tx` bytes costs its session: the ring dataspace (page-rounded), a copy of
 * the transmit ring (what the host holds while it sends), and {@link NET_HOST_READ_RESERVE}.
 */
export function netSocketRam(rx: number, tx: number): number {
  return pageRound(32 + rx + tx) + tx + NET_HOST_READ_RESERVE;
}

/** A listener's cost in RAM: the server's bookkeeping for it (its accepted sockets cost as sockets). */
export const NET_LISTENER_RAM = 4096;

/** The TLS client options of a connect; the CA certificate (PEM) lies in the control dataspace. */
const tlsClientCodec = codec.record({
  /** Bytes of the CA certificate(s) PEM at the start of the control dataspace; 0: the host's default CAs. */
  caLength: codec.u32,
  /** The name the server's certificate must carry (SNI); empty: the host name. */
  servername: codec.string,
  /** Whether a certificate that does not verify fails the handshake. */
  rejectUnauthorized: codec.bool,
});

/** TLS server options of a listen; the certificate and key (PEM) follow each other in the control dataspace. */
const tlsServerCodec = codec.record({
  /** Bytes of the certificate chain PEM at the start of the control dataspace. */
  certLength: codec.u32,
  /** Bytes of the private key PEM right after it. */
  keyLength: codec.u32,
});

/** What a connect asks for. */
const connectCodec = codec.record({
  host: codec.string,
  port: codec.u32,
  rxSize: codec.u32,
  txSize: codec.u32,
  timeoutMs: codec.u32,
  tls: codec.optional(tlsClientCodec),
});

/** What a listen asks for. */
const listenCodec = codec.record({
  port: codec.u32,
  backlog: codec.u32,
  rxSize: codec.u32,
  txSize: codec.u32,
  tls: codec.optional(tlsServerCodec),
});

/** Why a socket failed: the kind (a `NetErrorKind`) and the message naming host:port. */
const failureCodec = codec.record({ kind: codec.string, message: codec.string });

/** Where a socket's ends are. */
const addressesCodec = codec.record({
  localAddress: codec.string,
  localPort: codec.u32,
  remoteAddress: codec.string,
  remotePort: codec.u32,
});

const requestErrors = [PolicyDenied, InvalidNetArgument, NetQuotaExhausted];

/**
 * The Net session: TCP (and TLS) connections and listeners, served by the one component that holds the host's
 * network. Data does not travel in messages: each socket has a dataspace with a receive and a transmit ring
 * (`socket-ring`), and the two sides signal each other when a ring changes. A socket id names a socket or a listener
 * of this session; ids are never reused within a session.
 */
export const NetSession = defineInterface('Net', {
  /** Sets the signal context the server signals whenever a socket or listener of the session changes. */
  sigh: method([codec.capability()], codec.void),
  /** The server's signal context for this session: the client signals it after it changed a ring. */
  wakeup: method([], codec.capability()),
  /** The session's control dataspace ({@link NET_CONTROL_SIZE} bytes). */
  control: method([], codec.capability()),
  /** Starts a connect; the socket's state word says when it is open or failed. Returns the socket's id. */
  connect: method([connectCodec], codec.u32, { throws: requestErrors }),
  /** Listens on a port (bound before the call returns). Returns the listener's id. */
  listen: method([listenCodec], codec.u32, { throws: [...requestErrors, AddressInUse] }),
  /** The id of the listener's oldest connection not yet accepted, now the client's socket; 0 when there is none. */
  accept: method([codec.u32], codec.u32, { throws: [SocketClosed, NetQuotaExhausted] }),
  /** The dataspace of socket `id`: its header and rings. */
  dataspace: method([codec.u32], codec.capability(), { throws: [SocketClosed] }),
  /** Why socket or listener `id` failed (kind `failed` with an empty message while it has not). */
  failure: method([codec.u32], failureCodec, { throws: [SocketClosed] }),
  /** The local and remote address and port of socket `id` (of a listener: the bound address, remote empty). */
  addresses: method([codec.u32], addressesCodec, { throws: [SocketClosed] }),
  /** Ends the sending side of socket `id` once what its transmit ring holds is sent (half close). */
  end: method([codec.u32], codec.void, { throws: [SocketClosed] }),
  /** Closes socket or listener `id` at once and frees what it held; an unknown id is ignored. */
  close: method([codec.u32], codec.void),
});
