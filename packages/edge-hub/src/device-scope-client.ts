import { request } from 'node:http';
import {
  createSharedAccessSignature,
  type DeviceConnectionString,
  isDeviceId,
  isJsonObject,
  parseJson,
} from '@os/iothub';
import type { Net } from '@os/net';
import { NetStream } from '@os/net/stream';
import type { LeafIdentity } from './upstream-link.js';

/** A child of the gateway as the device-scope API lists it. */
export interface ScopeIdentity extends LeafIdentity {
  /** Whether the device is enabled (`status: "enabled"`); a disabled one is refused with CONNACK 3. */
  readonly enabled: boolean;
}

/** The device scope could not be fetched; the message names the request and what went wrong. */
export class DeviceScopeError extends Error {
  /** Stable code of this failure, `ERR_OS_EDGE_HUB_DEVICE_SCOPE`: compare it, not the class. */
  readonly code = 'ERR_OS_EDGE_HUB_DEVICE_SCOPE';

  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'DeviceScopeError';
  }
}

/** The api-version IoT Edge's edge hub asks the device-scope API with. */
export const DEVICE_SCOPE_API_VERSION = '2018-08-30-preview';

/** The largest answer of one page (1000 identities of about 1 KB each, with room). */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/** The most pages fetched at once: 100 000 children. */
const MAX_PAGES = 100;

/** How long the SAS token of a fetch is valid, in seconds. */
const TOKEN_LIFETIME_S = 3600;

/** What a fetch needs. */
export interface DeviceScopeClientParts {
  /** The Net session the HTTPS requests go through. */
  readonly net: Net.Connection;
  /** The gateway device: its id, the hub's host name (the token's resource) and its key. */
  readonly gateway: DeviceConnectionString;
  /** Where the hub's HTTPS API is. */
  readonly host: string;
  /** The port there. */
  readonly port: number;
  /** The CA (PEM) the hub's certificate chains to; undefined for the host's CAs. */
  readonly ca: string | undefined;
  /** How long a request may take, in milliseconds. */
  readonly timeoutMs: number;
  /** The wall-clock time, in milliseconds since the epoch (the token's expiry counts from it). */
  readonly nowMs: () => Promise<number>;
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The identity in one entry of `devices`, or undefined when it has no symmetric keys (X.509) or is malformed. */
function identity(entry: unknown): ScopeIdentity | undefined {
  if (!isJsonObject(entry)) return undefined;
  const deviceId = entry['deviceId'];
  const authentication = entry['authentication'];
  const keys = isJsonObject(authentication) ? authentication['symmetricKey'] : undefined;
  if (typeof deviceId !== 'string' || !isDeviceId(deviceId) || !isJsonObject(keys)) return undefined;
  const primaryKey = keys['primaryKey'];
  const secondaryKey = keys['secondaryKey'];
  if (typeof primaryKey !== 'string' || typeof secondaryKey !== 'string') return undefined;
  return { deviceId, primaryKey, secondaryKey, enabled: entry['status'] === 'enabled' };
}

/**
 * The gateway's side of IoT Hub's device-scope API: pages through
 * `GET /devices/{gateway}/modules/$edgeHub/devicesAndModulesInDeviceScope`, authenticated with a SAS token of the
 * gateway device, over HTTPS through the Net session (Node's HTTP client over a `NetStream`).
 */
export class DeviceScopeClient {
  readonly #parts: DeviceScopeClientParts;

  /** A client that fetches with `parts`. */
  constructor(parts: DeviceScopeClientParts) {
    this.#parts = parts;
  }

  /** Every child of the gateway with symmetric keys, by device id; throws {@link DeviceScopeError}. */
  async fetch(): Promise<Map<string, ScopeIdentity>> {
    const { gateway } = this.#parts;
    const resource = `${gateway.hostName}/devices/${gateway.deviceId}`;
    const expiry = Math.floor((await this.#parts.nowMs()) / 1000) + TOKEN_LIFETIME_S;
    const authorization = createSharedAccessSignature(resource, gateway.sharedAccessKey, expiry);
    const identities = new Map<string, ScopeIdentity>();
    let path: string | undefined =
      `/devices/${encodeURIComponent(gateway.deviceId)}/modules/%24edgeHub/devicesAndModulesInDeviceScope` +
      `?deviceCount=1000&api-version=${DEVICE_SCOPE_API_VERSION}`;
    for (let page = 0; path !== undefined; page++) {
      if (page === MAX_PAGES) throw new DeviceScopeError(`the device scope has more than ${MAX_PAGES} pages`);
      const body = await this.#get(path, authorization);
      const devices = body['devices'];
      if (!Array.isArray(devices)) throw new DeviceScopeError(`GET ${path}: the answer has no "devices" list`);
      for (const entry of devices) {
        const found = identity(entry);
        if (found !== undefined) identities.set(found.deviceId, found);
      }
      const link = body['continuationLink'];
      path = typeof link === 'string' && link.startsWith('/devices/') ? link : undefined;
    }
    return identities;
  }

  /** The JSON object a GET of `path` answers with 200. */
  async #get(path: string, authorization: string): Promise<Record<string, unknown>> {
    const { net, host, port, ca, timeoutMs } = this.#parts;
    const tls = { ...(ca === undefined ? {} : { ca }), ...(isIpAddress(host) ? {} : { servername: host }) };
    const where = `GET https://${host}:${port}${path.replace(/\?.*$/, '')}`;
    const text = await new Promise<string>((resolve, reject) => {
      const outgoing = request(
        {
          host,
          port,
          path,
          method: 'GET',
          headers: { authorization, accept: 'application/json', connection: 'close' },
          timeout: timeoutMs,
          createConnection: () => new NetStream(net.connect({ host, port, tls, timeoutMs })),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let length = 0;
          response.on('data', (chunk: Buffer) => {
            length += chunk.length;
            if (length > MAX_PAGE_BYTES) {
              outgoing.destroy(new DeviceScopeError(`${where}: the answer is over ${MAX_PAGE_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', (error) => reject(error));
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode === 200) resolve(body);
            else {
              const code = response.headers['iothub-errorcode'];
              reject(
                new DeviceScopeError(`${where}: ${response.statusCode} ${typeof code === 'string' ? code : ''}`.trim()),
              );
            }
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new DeviceScopeError(`${where}: no answer in ${timeoutMs} ms`)));
      outgoing.on('error', (error) =>
        reject(error instanceof DeviceScopeError ? error : new DeviceScopeError(`${where}: ${describe(error)}`)),
      );
      outgoing.end();
    });
    const body = parseJson(text);
    if (!isJsonObject(body)) throw new DeviceScopeError(`${where}: the answer is not a JSON object`);
    return body;
  }
}
