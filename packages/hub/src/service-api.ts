import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import {
  isJsonObject,
  isSignedWith,
  type JsonValue,
  MAX_METHOD_PAYLOAD_BYTES,
  parseJson,
  parseSharedAccessSignature,
} from '@os/iothub';
import type { DeviceBroker } from './device-broker.js';
import { deviceEtag } from './device-record.js';
import { answerDeviceScope, EDGE_HUB_MODULE } from './device-scope-api.js';
import type { HubRegistry } from './hub-registry.js';
import { HubServiceError } from './hub-service-error.js';
import { MAX_TELEMETRY_STREAMS, streamTelemetry } from './telemetry-stream.js';
import { twinEtag } from './twin-state.js';

/** The largest request body the service API reads. */
const MAX_BODY_BYTES = 256 * 1024;

/** The name of the one shared access policy this hub has. */
export const SERVICE_POLICY = 'iothubowner';

/** The operations of the device-scope API (`/devices/{id}/modules/$edgeHub/{operation}`). */
const SCOPE_OPERATIONS: ReadonlySet<string> = new Set([
  'devicesAndModulesInDeviceScope',
  'deviceAndModuleInDeviceScope',
]);

/** A reply the service API has streamed itself (the telemetry stream): nothing more to write. */
const STREAMED = Symbol('streamed');

interface Reply {
  readonly status: number;
  readonly body?: JsonValue;
  readonly etag?: string;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new HubServiceError(413, 'MessageTooLarge', `the request body is over ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const parsed = parseJson(Buffer.concat(chunks).toString('utf8'));
  if (parsed === undefined) throw new HubServiceError(400, 'ArgumentInvalid', 'the request body is not valid JSON');
  return parsed;
}

function seconds(value: JsonValue | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new HubServiceError(
      400,
      'ArgumentInvalid',
      `${name} must be a whole number of seconds from ${min} to ${max}`,
    );
  }
  return value;
}

/**
 * The hub's service API over HTTPS, after IoT Hub's REST API (api-version 2021-04-12) for devices, twins and direct
 * methods. Every request carries a SAS token of the `iothubowner` policy; errors have IoT Hub's JSON form.
 */
export class ServiceApi {
  readonly #server: Server;
  readonly #registry: HubRegistry;
  readonly #broker: DeviceBroker;
  readonly #keys: readonly string[];
  readonly #hostNames: ReadonlySet<string>;
  readonly #streams = new Set<() => void>();

  private constructor(server: Server, registry: HubRegistry, broker: DeviceBroker, keys: string[], hosts: Set<string>) {
    this.#server = server;
    this.#registry = registry;
    this.#broker = broker;
    this.#keys = keys;
    this.#hostNames = hosts;
  }

  /** The API listening on `host:port`; `keys` are the policy's primary and secondary keys. */
  static async start(options: {
    readonly registry: HubRegistry;
    readonly broker: DeviceBroker;
    readonly cert: string;
    readonly key: string;
    readonly host: string;
    readonly port: number;
    readonly keys: readonly string[];
    readonly hostNames: readonly string[];
  }): Promise<ServiceApi> {
    let api: ServiceApi | undefined;
    const server = createServer(
      { cert: options.cert, key: options.key, minVersion: 'TLSv1.2' },
      (request, response) => {
        void api?.serve(request, response);
      },
    );
    server.on('tlsClientError', () => {});
    // answers go out at once (no Nagle delay behind the client's delayed ACK)
    server.on('connection', (socket: Socket) => socket.setNoDelay(true));
    const hosts = new Set(options.hostNames.map((name) => name.replace(/:\d+$/, '').toLowerCase()));
    api = new ServiceApi(server, options.registry, options.broker, [...options.keys], hosts);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return api;
  }

  /** The TCP port the API listens on. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Answers one request; never throws. */
  async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      const url = new URL(request.url ?? '/', 'https://hub');
      let parts: string[];
      try {
        parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
      } catch {
        throw new HubServiceError(400, 'ArgumentInvalid', `${url.pathname} is not a well-formed path`);
      }
      const [collection, id, sub, module, operation] = parts;
      const scoped =
        collection === 'devices' &&
        id !== undefined &&
        sub === 'modules' &&
        module === EDGE_HUB_MODULE &&
        parts.length === 5 &&
        SCOPE_OPERATIONS.has(operation ?? '');
      this.#authorize(request.headers.authorization, scoped ? id : undefined);
      if (scoped && request.method === 'GET') {
        reply = { status: 200, body: answerDeviceScope(this.#registry, id, operation ?? '', url.searchParams) };
      } else {
        const routed = await this.#route(request, url, parts, response);
        if (routed === STREAMED) return;
        reply = routed;
      }
    } catch (error) {
      const refusal =
        error instanceof HubServiceError
          ? error
          : new HubServiceError(
              500,
              'ServerError',
              `the hub failed: ${error instanceof Error ? error.message : error}`,
            );
      response.setHeader('iothub-errorcode', refusal.errorCode);
      reply = {
        status: refusal.status,
        body: {
          Message: `ErrorCode:${refusal.errorCode};${refusal.message}`,
          ExceptionMessage: `Tracking ID:${randomUUID().replaceAll('-', '')}-G:0-TimeStamp:${new Date().toISOString()}`,
        },
      };
    }
    response.setHeader('x-ms-request-id', randomUUID());
    if (reply.etag !== undefined) response.setHeader('ETag', `"${reply.etag}"`);
    if (reply.body === undefined) {
      response.writeHead(reply.status).end();
    } else {
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.writeHead(reply.status).end(JSON.stringify(reply.body));
    }
  }

  /**
   * Checks the request's SAS token: the `iothubowner` policy's for every operation, or, on the device-scope API of
   * gateway `deviceId`, also a token of that device (`sr={host}/devices/{deviceId}`, signed with its key; IoT Edge
   * signs as its `$edgeHub` module, which this hub accepts too, with the device's key, having no modules).
   */
  #authorize(authorization: string | undefined, deviceId: string | undefined): void {
    const token = parseSharedAccessSignature(authorization ?? '');
    const [resourceHost = '', ...path] = token?.resource.split('/') ?? [];
    const host = resourceHost.replace(/:\d+$/, '').toLowerCase();
    const now = Date.now();
    if (token !== undefined && this.#hostNames.has(host)) {
      if (token.keyName === SERVICE_POLICY && path.length === 0 && isSignedWith(token, this.#keys, now)) return;
      const device = deviceId === undefined ? undefined : this.#registry.lookup(deviceId);
      const forDevice =
        path[0] === 'devices' &&
        path[1] === deviceId &&
        (path.length === 2 || (path.length === 4 && path[2] === 'modules' && path[3] === EDGE_HUB_MODULE));
      if (
        token.keyName === undefined &&
        device !== undefined &&
        device.status === 'enabled' &&
        forDevice &&
        isSignedWith(token, [device.primaryKey, device.secondaryKey], now)
      ) {
        return;
      }
    }
    throw new HubServiceError(
      401,
      'IotHubUnauthorizedAccess',
      deviceId === undefined
        ? 'Unauthorized: give a SharedAccessSignature of the iothubowner policy from the service connection string'
        : `Unauthorized: give a SharedAccessSignature of device ${deviceId} (signed with its key) or of iothubowner`,
    );
  }

  async #route(
    request: IncomingMessage,
    url: URL,
    parts: readonly string[],
    response: ServerResponse,
  ): Promise<Reply | typeof STREAMED> {
    const method = request.method ?? 'GET';
    const ifMatch = request.headers['if-match'];
    const [collection, id, sub] = parts;
    if (collection === 'messages' && id === 'events' && parts.length === 2 && method === 'GET') {
      return this.#stream(url, response);
    }
    if (collection === 'devices' && id === undefined && method === 'GET') {
      const top = Math.min(Math.max(Number(url.searchParams.get('top') ?? 1000) || 1000, 1), 1000);
      return { status: 200, body: this.#registry.listDevices(top).map((d) => this.#registry.deviceDocument(d)) };
    }
    if (collection === 'devices' && id !== undefined && parts.length === 2) {
      if (method === 'GET') return this.#device(this.#registry.getDevice(id));
      if (method === 'PUT') return this.#device(this.#registry.putDevice(id, await readBody(request), ifMatch));
      if (method === 'DELETE') {
        this.#registry.deleteDevice(id, ifMatch);
        return { status: 204 };
      }
    }
    if (collection === 'twins' && id !== undefined && parts.length === 2) {
      if (method === 'GET') return this.#twin(id, this.#registry.twin(id));
      if (method === 'PATCH') return this.#twin(id, this.#registry.patchTwin(id, await readBody(request), ifMatch));
      if (method === 'PUT') return this.#twin(id, this.#registry.replaceTwin(id, await readBody(request), ifMatch));
    }
    if (collection === 'twins' && id !== undefined && sub === 'methods' && parts.length === 3 && method === 'POST') {
      return this.#invoke(id, await readBody(request));
    }
    throw new HubServiceError(
      404,
      'NotFound',
      `${method} ${url.pathname} is not an operation of this hub's service API`,
    );
  }

  #stream(url: URL, response: ServerResponse): typeof STREAMED {
    const deviceId = url.searchParams.get('deviceId') ?? undefined;
    if (deviceId !== undefined) this.#registry.getDevice(deviceId);
    if (this.#streams.size >= MAX_TELEMETRY_STREAMS) {
      throw new HubServiceError(
        429,
        'ThrottlingException',
        `this hub serves ${MAX_TELEMETRY_STREAMS} telemetry streams at once; end one first`,
      );
    }
    const end = streamTelemetry(
      response,
      (listener) => this.#broker.onTelemetry(listener),
      deviceId,
      () => this.#streams.delete(end),
    );
    this.#streams.add(end);
    return STREAMED;
  }

  #device(record: Parameters<HubRegistry['deviceDocument']>[0]): Reply {
    return { status: 200, body: this.#registry.deviceDocument(record), etag: deviceEtag(record) };
  }

  #twin(id: string, twin: Parameters<typeof twinEtag>[0]): Reply {
    return { status: 200, body: this.#registry.twinDocument(id, twin), etag: twinEtag(twin) };
  }

  async #invoke(id: string, body: unknown): Promise<Reply> {
    this.#registry.getDevice(id);
    if (!isJsonObject(body)) throw new HubServiceError(400, 'ArgumentInvalid', 'the body must be a method invocation');
    const name = body['methodName'];
    if (typeof name !== 'string' || !/^[^/#+\s]{1,256}$/.test(name)) {
      throw new HubServiceError(400, 'ArgumentInvalid', 'methodName must be a name without /, #, + or spaces');
    }
    const payload = body['payload'] ?? null;
    if (Buffer.byteLength(JSON.stringify(payload)) > MAX_METHOD_PAYLOAD_BYTES) {
      throw new HubServiceError(400, 'ArgumentInvalid', 'the method payload is over 128 KB');
    }
    const responseTimeout = seconds(body['responseTimeoutInSeconds'], 'responseTimeoutInSeconds', 30, 5, 300);
    const connectTimeout = seconds(body['connectTimeoutInSeconds'], 'connectTimeoutInSeconds', 0, 0, 300);
    const result = await this.#broker.invokeMethod(id, name, payload, responseTimeout, connectTimeout);
    return { status: 200, body: { status: result.status, payload: result.payload } };
  }

  /** Stops listening and ends open connections. */
  async close(): Promise<void> {
    for (const end of [...this.#streams]) end();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
