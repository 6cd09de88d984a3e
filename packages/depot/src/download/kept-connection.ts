import { Agent, type RequestOptions } from 'node:http';
import type { NetConnection } from '@os/net';
import { type NetStream, netStream } from '@os/net/stream';

type HttpSocket = ReturnType<NonNullable<RequestOptions['createConnection']>>;

/** How long a kept connection may stay idle between two GETs before it is closed, in milliseconds. */
const IDLE_MS = 1000;

/**
 * One connection to the depot server kept open between the GETs of one download slot (HTTP/1.1 keep-alive): a pkg
 * takes four GETs (its archive, its signature, its binary's archive and signature), and a connect and close for each
 * cost the net server, the depot server and the gateway more than the GET itself. Holds at most one socket of the Net
 * session at a time; `close` gives it back. A connection the server ended, or that stayed idle for a second, is closed
 * at once; a GET that finds its kept connection dead is sent again on a new one (Node's `reusedSocket` tells).
 */
export class KeptConnection {
  /** Node's agent with a pool of one socket, made over the Net session. */
  readonly agent: Agent;
  readonly #streams = new Set<NetStream>();

  /** Keeps connections of `net` to `host`:`port`, each connect bounded by `timeoutMs`. */
  constructor(net: NetConnection, timeoutMs: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, timeout: IDLE_MS });
    // Node's agent asks its createConnection for each new socket: one over the routed network, never a host socket
    this.agent.createConnection = (options: { host?: string | null; port?: number | null }) => {
      const stream = netStream(net.connect({ host: options.host ?? 'localhost', port: options.port ?? 80, timeoutMs }));
      this.#streams.add(stream);
      stream.once('close', () => this.#streams.delete(stream));
      // the server closes an idle connection by ending it: it can carry no further GET
      stream.once('end', () => stream.destroy());
      return stream as unknown as HttpSocket;
    };
  }

  /** Closes the kept connection and resolves once its Net socket is closed. */
  async close(): Promise<void> {
    this.agent.destroy();
    await Promise.all([...this.#streams].map((stream) => closeStream(stream)));
  }
}

/** Waits until `stream` closed (its Net socket closed at the server), destroying it first. */
export async function closeStream(stream: NetStream | undefined): Promise<void> {
  if (stream === undefined || stream.closed) return;
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  stream.destroy();
  await closed;
}
