import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';

/**
 * An HTTPS agent for Microsoft's service SDK (`azure-iothub`) against a hub whose HostName carries a port
 * (`localhost:8443`): the SDK hands Node the host name with its port, which Node would look up as a name. This agent
 * connects to the port named there and trusts the hub's CA certificate `ca` (PEM).
 */
export function hubServiceAgent(ca: string, options: AgentOptions = {}): Agent {
  return new HubServiceAgent({ keepAlive: true, ...options, ca });
}

class HubServiceAgent extends Agent {
  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const match = /^(.*):(\d+)$/.exec(options.host ?? '');
    if (match === null) return super.createConnection(options, callback);
    const host = match[1] ?? 'localhost';
    return super.createConnection({ ...options, host, port: Number(match[2]), servername: host }, callback);
  }
}
