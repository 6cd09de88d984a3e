import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  API_VERSION,
  createSharedAccessSignature,
  type JsonObject,
  type JsonValue,
  parseConnectionString,
} from '@os/iothub';
import { HubRequestError } from './hub-errors.js';
import { serverSentEvents } from './server-sent-events.js';
import type { TelemetryEvent } from './telemetry-stream.js';

/** A response of the service API. */
export interface HubResponse {
  /** The HTTP status. */
  readonly status: number;
  /** The JSON body, if any. */
  readonly body: JsonValue | undefined;
  /** The ETag header without its quotes, if any. */
  readonly etag: string | undefined;
}

/**
 * A small client of a hub's service API (IoT Hub's REST API), signed with the `iothubowner` key from a service
 * connection string: what `os hub` runs, and what tests and demos use to register devices and change twins.
 */
export class HubServiceClient {
  readonly #hostName: string;
  readonly #address: string;
  readonly #port: number;
  readonly #keyName: string;
  readonly #key: string;
  readonly #ca: string;

  /**
   * A client of the hub named by `connectionString` (`HostName=host:port;SharedAccessKeyName=...;SharedAccessKey=...`)
   * trusting the CA certificate `ca` (PEM). `localhost` is reached at 127.0.0.1.
   */
  constructor(connectionString: string, ca: string) {
    const fields = parseConnectionString(connectionString);
    const hostName = fields.get('HostName');
    const keyName = fields.get('SharedAccessKeyName');
    const key = fields.get('SharedAccessKey');
    if (hostName === undefined || keyName === undefined || key === undefined) {
      throw new TypeError(
        'a service connection string needs HostName, SharedAccessKeyName and SharedAccessKey (os hub start prints one)',
      );
    }
    const [host = 'localhost', port = '443'] = hostName.split(':');
    this.#hostName = hostName;
    this.#address = host === 'localhost' ? '127.0.0.1' : host;
    this.#port = Number(port);
    this.#keyName = keyName;
    this.#key = key;
    this.#ca = ca;
  }

  /** Sends one request and resolves with the response as it starts (its body still to read). */
  #send(
    method: string,
    path: string,
    payload: Buffer | undefined,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    const token = createSharedAccessSignature(
      this.#hostName,
      this.#key,
      Math.floor(Date.now() / 1000) + 3600,
      this.#keyName,
    );
    const separator = path.includes('?') ? '&' : '?';
    return new Promise((resolve, reject) => {
      const outgoing = httpsRequest(
        {
          host: this.#address,
          port: this.#port,
          servername: this.#address === '127.0.0.1' ? 'localhost' : this.#address,
          ca: this.#ca,
          method,
          path: `${path}${separator}api-version=${API_VERSION}`,
          headers: {
            Authorization: token,
            ...(payload === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
            ...headers,
          },
          ...(signal === undefined ? {} : { signal }),
        },
        resolve,
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  /** Sends one request; resolves with any status (`HubResponse`). */
  async request(
    method: string,
    path: string,
    body?: JsonValue,
    headers: Record<string, string> = {},
  ): Promise<HubResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const response = await this.#send(method, path, payload, headers);
    const chunks: Buffer[] = [];
    for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    const etag = response.headers.etag;
    return {
      status: response.statusCode ?? 0,
      body: text.length === 0 ? undefined : (JSON.parse(text) as JsonValue),
      etag: etag === undefined ? undefined : etag.replace(/^"|"$/g, ''),
    };
  }

  /**
   * The telemetry that arrives at the hub from now on (of `deviceId` only, when given), from its telemetry stream
   * (`GET /messages/events`, server-sent events): each message's body as base64, its properties and enqueued time.
   * `opened` is called once the hub streams; the iteration ends when `signal` aborts, and throws a
   * `HubRequestError` when the hub refuses or ends the stream.
   */
  async *monitor(
    options: { deviceId?: string; signal?: AbortSignal; opened?: () => void } = {},
  ): AsyncGenerator<TelemetryEvent> {
    const query = options.deviceId === undefined ? '' : `?deviceId=${encodeURIComponent(options.deviceId)}`;
    const path = `/messages/events${query}`;
    let response: IncomingMessage;
    try {
      response = await this.#send('GET', path, undefined, { Accept: 'text/event-stream' }, options.signal);
    } catch (error) {
      if (options.signal?.aborted === true) return;
      throw error;
    }
    if (response.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
      throw refusalOf('GET', path, response.statusCode ?? 0, parseBody(Buffer.concat(chunks).toString('utf8')));
    }
    options.opened?.();
    try {
      for await (const event of serverSentEvents(response as AsyncIterable<Buffer>)) {
        if (event.event === 'telemetry') yield JSON.parse(event.data) as TelemetryEvent;
        if (event.event === 'overflow') {
          throw new HubRequestError(
            503,
            'MonitorOverflow',
            'the hub ended the telemetry stream: this monitor fell over 1 MB behind; read faster or monitor one device',
          );
        }
      }
    } catch (error) {
      if (options.signal?.aborted === true) return;
      throw error;
    }
    if (options.signal?.aborted === true) return;
    throw new HubRequestError(503, 'StreamEnded', 'the hub ended the telemetry stream (it has stopped?)');
  }

  async #expect(method: string, path: string, body?: JsonValue, headers?: Record<string, string>): Promise<JsonObject> {
    const response = await this.request(method, path, body, headers);
    if (response.status >= 300) throw refusalOf(method, path, response.status, response.body);
    return (response.body ?? {}) as JsonObject;
  }

  /**
   * Registers `deviceId` with generated keys; returns IoT Hub's device document. `edge` makes it an IoT Edge
   * device (`capabilities.iotEdge`), which may be a parent; `parent` names its parent, an IoT Edge device, whose
   * `deviceScope` becomes the new device's (a leaf's `deviceScope`, an edge device's `parentScopes`).
   */
  async addDevice(deviceId: string, options: { edge?: boolean; parent?: string } = {}): Promise<JsonObject> {
    const relation = await this.#relation(options);
    return this.putDevice(deviceId, { deviceId, ...relation });
  }

  /**
   * Makes `deviceId`, which exists, an IoT Edge device (`edge`) and the child of `parent` (none when absent), as
   * `az iot hub device-identity parent set` does: its document read and put back with those fields changed.
   */
  async setRelation(deviceId: string, options: { edge?: boolean; parent?: string } = {}): Promise<JsonObject> {
    const current = await this.getDevice(deviceId);
    const { deviceScope: _scope, parentScopes: _parents, capabilities: _capabilities, ...rest } = current;
    const etag = typeof current['etag'] === 'string' ? current['etag'] : '*';
    return this.putDevice(deviceId, { ...rest, ...(await this.#relation(options)) }, etag);
  }

  /** The fields of a device document that say it is an IoT Edge device and who its parent is. */
  async #relation(options: { edge?: boolean; parent?: string }): Promise<JsonObject> {
    const edge = options.edge === true;
    let scope: string | undefined;
    if (options.parent !== undefined) {
      const parent = await this.getDevice(options.parent);
      const capabilities = parent['capabilities'] as { iotEdge?: boolean } | undefined;
      if (capabilities?.iotEdge !== true || typeof parent['deviceScope'] !== 'string') {
        throw new HubRequestError(
          400,
          'ArgumentInvalid',
          `device ${options.parent} is not an IoT Edge device and cannot be a parent: ` +
            `add it with --edge (capabilities.iotEdge) first`,
        );
      }
      scope = parent['deviceScope'];
    }
    return {
      capabilities: { iotEdge: edge },
      ...(scope === undefined ? {} : edge ? { parentScopes: [scope] } : { deviceScope: scope }),
    };
  }

  /** `PUT /devices/{id}` of `document`: creates the device, or updates it when `etag` is given (`*` for any). */
  putDevice(deviceId: string, document: JsonObject, etag?: string): Promise<JsonObject> {
    const headers: Record<string, string> = etag === undefined ? {} : { 'If-Match': etag === '*' ? '*' : `"${etag}"` };
    return this.#expect('PUT', `/devices/${encodeURIComponent(deviceId)}`, document, headers);
  }

  /** The device document of `deviceId`. */
  getDevice(deviceId: string): Promise<JsonObject> {
    return this.#expect('GET', `/devices/${encodeURIComponent(deviceId)}`);
  }

  /** The twin of `deviceId` as IoT Hub shows it. */
  getTwin(deviceId: string): Promise<JsonObject> {
    return this.#expect('GET', `/twins/${encodeURIComponent(deviceId)}`);
  }

  /** Merges `desired` into the twin's desired properties (`null` deletes); returns the twin after it. */
  patchDesired(deviceId: string, desired: JsonObject): Promise<JsonObject> {
    const body = { properties: { desired } };
    return this.#expect('PATCH', `/twins/${encodeURIComponent(deviceId)}`, body, { 'If-Match': '*' });
  }

  /** Invokes direct method `methodName`; returns the device's `{ status, payload }`. */
  invokeMethod(
    deviceId: string,
    methodName: string,
    payload: JsonValue,
    timeouts: { responseTimeoutInSeconds?: number; connectTimeoutInSeconds?: number } = {},
  ): Promise<JsonObject> {
    const body = { methodName, payload, ...timeouts };
    return this.#expect('POST', `/twins/${encodeURIComponent(deviceId)}/methods`, body);
  }
}

function parseBody(text: string): JsonValue | undefined {
  try {
    return text.length === 0 ? undefined : (JSON.parse(text) as JsonValue);
  } catch {
    return text;
  }
}

/** The `HubRequestError` of a refusal: IoT Hub's error code from the body's `Message` (`ErrorCode:X;...`). */
function refusalOf(method: string, path: string, status: number, body: JsonValue | undefined): HubRequestError {
  const message = (body as { Message?: string } | undefined)?.Message ?? `HTTP ${status}`;
  const [code = 'Unknown', ...rest] = message.replace(/^ErrorCode:/, '').split(';');
  return new HubRequestError(status, code, `${method} ${path}: ${status} ${code}: ${rest.join(';')}`);
}
