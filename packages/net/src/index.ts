import { NetConnection } from './net-connection.js';
import { NetSession } from './net-session.js';

export {
  NetSession,
  NET_CONTROL_SIZE,
  NET_MIN_RING,
  NET_MAX_RING,
  NET_MAX_HOST,
  NET_MAX_TIMEOUT_MS,
  NET_DEFAULT_TIMEOUT_MS,
  NET_MAX_BACKLOG,
  NET_HOST_READ_RESERVE,
  NET_SESSION_RAM,
  NET_SESSION_CAPS,
  NET_SOCKET_CAPS,
  NET_LISTENER_RAM,
  netSocketRam,
} from './net-session.js';
export {
  NetConnection,
  type NetEnv,
  type NetConnectionOptions,
  type ConnectOptions,
  type ListenOptions,
  type TlsClientOptions,
  type TlsServerOptions,
} from './net-connection.js';
export { NetSocket, type SocketAddresses, type SocketOwner } from './net-socket.js';
export { NetListener, type ListenerOwner } from './net-listener.js';
export {
  NetError,
  type NetErrorKind,
  ConnectionRefused,
  HostUnreachable,
  ConnectionReset,
  NetTimedOut,
  TlsFailure,
  PolicyDenied,
  AddressInUse,
  InvalidNetArgument,
  NetQuotaExhausted,
  SocketClosed,
  NetFailure,
  netError,
} from './net-errors.js';

/** The network as a routed service: `Net.Connection` for clients, `Net.Session` the interface. */
export namespace Net {
  /** A connection to the Net service. */
  export type Connection = NetConnection;
  /** A connection to the Net service. */
  export const Connection = NetConnection;
  /** The Net session interface. */
  export const Session = NetSession;
}
