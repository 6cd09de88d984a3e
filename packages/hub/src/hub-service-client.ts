import { request as httpsRequest } from 'node:https';
import {
  API_VERSION,
  createSharedAccessSignature,
  type JsonObject,
  type JsonValue,
  parseConnectionString,
} from '@os/iothub';
import { HubRequestError } from './hub-errors.js';

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

  /** Sends one request; resolves with any status (`HubResponse`). */
  request(method: string, path: string, body?: JsonValue, headers: Record<string, string> = {}): Promise<HubResponse> {
    const token = createSharedAccessSignature(
      this.#hostName,
      this.#key,
      Math.floor(Date.now() / 1000) + 3600,
      this.#keyName,
    );
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
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
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const etag = response.headers.etag;
            resolve({
              status: response.statusCode ?? 0,
              body: text.length === 0 ? undefined : (JSON.parse(text) as JsonValue),
              etag: etag === undefined ? undefined : etag.replace(/^"|"$/g, ''),
            });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  async #expect(method: string, path: string, body?: JsonValue, headers?: Record<string, string>): Promise<JsonObject> {
    const response = await this.request(method, path, body, headers);
    if (response.status >= 300) {
      const message = (response.body as { Message?: string } | undefined)?.Message ?? `HTTP ${response.status}`;
      const [code = 'Unknown', ...rest] = message.replace(/^ErrorCode:/, '').split(';');
      throw new HubRequestError(
        response.status,
        code,
        `${method} ${path}: ${response.status} ${code}: ${rest.join(';')}`,
      );
    }
    return (response.body ?? {}) as JsonObject;
  }

  /** Registers `deviceId` with generated keys; returns IoT Hub's device document. */
  addDevice(deviceId: string): Promise<JsonObject> {
    return this.#expect('PUT', `/devices/${encodeURIComponent(deviceId)}`, { deviceId });
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
