import type { XmlNode } from '@os/runtime';
import { ServiceDenied } from '@os/session';

/** A port pattern: one port, a range `from-to`, or `*` (every port). */
interface PortPattern {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

/** One `<connect host port/>` rule. */
interface ConnectRule {
  /** `*` (any host), `*.example.com` (the domain's hosts, not the domain itself), or one host as written. */
  readonly host: string;
  readonly port: PortPattern;
  readonly line: number;
}

/** One `<listen port address/>` rule. */
interface ListenRule {
  readonly port: PortPattern;
  /** The host address to bind: 127.0.0.1 unless the rule names another. */
  readonly address: string;
  readonly line: number;
}

/** The address listeners bind when a `<listen>` rule names none: only this host's loopback. */
export const DEFAULT_LISTEN_ADDRESS = '127.0.0.1';

function parsePort(text: string, where: string): PortPattern {
  const trimmed = text.trim();
  if (trimmed === '*') return { from: 1, to: 65535, text: '*' };
  const range = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(trimmed);
  const from = range === null ? Number.NaN : Number(range[1]);
  const to = range?.[2] === undefined ? from : Number(range[2]);
  if (!(from >= 1 && to <= 65535 && from <= to))
    throw new ServiceDenied(
      `${where}: port="${text}" is not a port (1-65535), a range such as 8000-8099, or *; fix the net server's config`,
    );
  return { from, to, text: trimmed };
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

/**
 * What one client may do, from its `<policy>` node of the net server's config: `<connect host port/>` rules and
 * `<listen port address/>` rules. Host names compare as written by the client, case-insensitively, without
 * resolving them: `localhost` and `127.0.0.1` are two hosts to the policy.
 */
export class NetPolicy {
  readonly #connect: readonly ConnectRule[];
  readonly #listen: readonly ListenRule[];
  /** Where the policy is, for messages: `policy at config line 3`. */
  readonly where: string;

  private constructor(connect: ConnectRule[], listen: ListenRule[], where: string) {
    this.#connect = connect;
    this.#listen = listen;
    this.where = where;
  }

  /** Reads `node` (a `<policy>` or `<default-policy>`); a malformed rule is a `ServiceDenied` naming its line. */
  static from(node: XmlNode): NetPolicy {
    const connect: ConnectRule[] = [];
    const listen: ListenRule[] = [];
    for (const rule of node.subNodes('connect')) {
      const where = `net config line ${rule.line}: <connect>`;
      const host = rule.stringAttribute('host', '').trim().toLowerCase();
      if (host === '') throw new ServiceDenied(`${where} names no host; add host="name", host="*.domain" or host="*"`);
      connect.push({ host, port: parsePort(rule.stringAttribute('port', ''), where), line: rule.line });
    }
    for (const rule of node.subNodes('listen')) {
      const where = `net config line ${rule.line}: <listen>`;
      const address = rule.stringAttribute('address', DEFAULT_LISTEN_ADDRESS).trim();
      listen.push({ port: parsePort(rule.stringAttribute('port', ''), where), address, line: rule.line });
    }
    return new NetPolicy(connect, listen, `the policy at net config line ${node.line}`);
  }

  /** Whether a connect to `host:port` is allowed; `host` as the client wrote it. */
  allowsConnect(host: string, port: number): boolean {
    const name = host.toLowerCase();
    return this.#connect.some((rule) => hostMatches(rule.host, name) && port >= rule.port.from && port <= rule.port.to);
  }

  /** The address to bind a listener on `port` at, or `null` when no `<listen>` rule allows the port. */
  listenAddress(port: number): string | null {
    return this.#listen.find((rule) => port >= rule.port.from && port <= rule.port.to)?.address ?? null;
  }

  /** What the policy allows to connect to, for a refusal's message: `localhost:8883, *:443`. */
  describeConnect(): string {
    return this.#connect.length === 0
      ? 'no connect at all'
      : `connect to ${this.#connect.map((rule) => `${rule.host}:${rule.port.text}`).join(', ')} only`;
  }

  /** What the policy allows to listen on, for a refusal's message. */
  describeListen(): string {
    return this.#listen.length === 0
      ? 'no listen at all'
      : `listen on port ${this.#listen.map((rule) => rule.port.text).join(', ')} only`;
  }
}
