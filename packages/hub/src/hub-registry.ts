import { randomBytes, randomUUID } from 'node:crypto';
import { isJsonObject, type JsonObject, type JsonValue, patchProblem, sizeProblem, TWIN_LIMITS } from '@os/iothub';
import { DEVICE_ID, type DeviceRecord, deviceEtag } from './device-record.js';
import { DEVICE_SCOPE_PREFIX, deviceScope, edgeScope, parentScope, parentScopes } from './device-scope.js';
import { HubServiceError } from './hub-service-error.js';
import type { RegistryStore } from './registry-store.js';
import {
  emptyTwin,
  patchSection,
  replaceSection,
  sectionDocument,
  type TwinState,
  topLevelDifference,
  twinEtag,
} from './twin-state.js';

/** What the registry tells the device side about. */
export interface RegistryEvents {
  /** Desired properties changed: `patch` holds the change and the new `$version`. */
  readonly desiredPatched: (deviceId: string, patch: JsonObject) => void;
  /** The device was deleted, disabled or got new keys: its connection must end. */
  readonly deviceRevoked: (deviceId: string) => void;
  /** Whether the device is connected now. */
  readonly isConnected: (deviceId: string) => boolean;
}

/** The most devices one hub registers (a development hub, not a fleet). */
export const MAX_DEVICES = 10_000;

/** The most layers of IoT Edge devices above one another (IoT Edge's nested hierarchy supports 5). */
export const MAX_EDGE_DEPTH = 5;

const NEVER = '0001-01-01T00:00:00Z';

function newKey(): string {
  return randomBytes(32).toString('base64');
}

function badRequest(message: string): HubServiceError {
  return new HubServiceError(400, 'ArgumentInvalid', message);
}

/** The key in `value`: generated when empty or absent, else base64 of 16 to 64 bytes. */
function symmetricKey(value: unknown, name: string, current: string | undefined): string {
  if (value === undefined || value === null || value === '') return current ?? newKey();
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    throw badRequest(`authentication.symmetricKey.${name} is not base64; leave it empty to have one generated`);
  }
  const bytes = Buffer.from(value, 'base64').length;
  if (bytes < 16 || bytes > 64) {
    throw badRequest(`authentication.symmetricKey.${name} holds ${bytes} bytes; IoT Hub takes keys of 16 to 64 bytes`);
  }
  return value;
}

function unquote(etag: string): string {
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

function checkEtag(ifMatch: string | undefined, etag: string, what: string): void {
  if (ifMatch === undefined || ifMatch === '*' || unquote(ifMatch) === '*') return;
  if (unquote(ifMatch) !== etag) {
    throw new HubServiceError(
      412,
      'PreconditionFailed',
      `${what}: If-Match ${ifMatch} does not match the current etag "${etag}"; read it again and retry`,
    );
  }
}

/**
 * The hub's identity registry and twins: IoT Hub's rules for creating, updating and deleting devices and for
 * changing twins, kept in the store. Every refusal is a `HubServiceError` with IoT Hub's status and code.
 */
export class HubRegistry {
  readonly #store: RegistryStore;
  readonly #events: RegistryEvents;

  constructor(store: RegistryStore, events: RegistryEvents) {
    this.#store = store;
    this.#events = events;
  }

  #now(): string {
    return new Date().toISOString();
  }

  #find(deviceId: string): { record: DeviceRecord; twin: TwinState } {
    const found = DEVICE_ID.test(deviceId) ? this.#store.device(deviceId) : undefined;
    if (found === undefined) {
      throw new HubServiceError(404, 'DeviceNotFound', `Device ${deviceId} is not registered; add it first`);
    }
    return found;
  }

  /** The device's record, or undefined when it is not registered. */
  lookup(deviceId: string): DeviceRecord | undefined {
    return DEVICE_ID.test(deviceId) ? this.#store.device(deviceId)?.record : undefined;
  }

  /** PUT /devices/{id}: creates the device, or updates it when `ifMatch` is given (`*` or its etag). */
  putDevice(deviceId: string, body: unknown, ifMatch: string | undefined): DeviceRecord {
    if (!DEVICE_ID.test(deviceId)) {
      throw badRequest(`"${deviceId}" is not a device id: up to 128 ASCII letters, digits and -:.+%_#*?!(),=@;$'`);
    }
    if (!isJsonObject(body)) throw badRequest('the body must be a device as a JSON object');
    if (body['deviceId'] !== undefined && body['deviceId'] !== deviceId) {
      throw badRequest(`the body's deviceId ${JSON.stringify(body['deviceId'])} is not the path's ${deviceId}`);
    }
    const status = body['status'] ?? 'enabled';
    if (status !== 'enabled' && status !== 'disabled') throw badRequest('status must be "enabled" or "disabled"');
    const authentication = body['authentication'] ?? {};
    if (!isJsonObject(authentication)) throw badRequest('authentication must be an object');
    const type = authentication['type'] ?? 'sas';
    if (type !== 'sas') {
      throw badRequest(`authentication type ${JSON.stringify(type)} is not supported by this hub; use "sas"`);
    }
    const keys = isJsonObject(authentication['symmetricKey']) ? authentication['symmetricKey'] : {};
    const capabilities = isJsonObject(body['capabilities']) ? body['capabilities'] : {};
    const existing = this.#store.device(deviceId);
    if (existing !== undefined && ifMatch === undefined) {
      throw new HubServiceError(
        409,
        'DeviceAlreadyExists',
        `Device ${deviceId} already exists; update it with If-Match`,
      );
    }
    if (existing === undefined && this.#store.countDevices() >= MAX_DEVICES) {
      throw new HubServiceError(403, 'IotHubQuotaExceeded', `this hub holds ${MAX_DEVICES} devices; delete some first`);
    }
    if (existing !== undefined) checkEtag(ifMatch, deviceEtag(existing.record), `Device ${deviceId}`);
    const now = this.#now();
    const before = existing?.record;
    const generationId = before?.generationId ?? randomUUID();
    const iotEdge = capabilities['iotEdge'] === true;
    const parent = this.#parentOf(deviceId, generationId, iotEdge, body);
    if (before?.iotEdge === true && !iotEdge) this.#refuseWithChildren(before, 'stop being an IoT Edge device');
    const record: DeviceRecord = {
      deviceId,
      generationId,
      revision: before === undefined ? 0 : before.revision + 1,
      status,
      statusReason: typeof body['statusReason'] === 'string' ? body['statusReason'] : null,
      statusUpdatedTime: before === undefined || before.status !== status ? now : before.statusUpdatedTime,
      primaryKey: symmetricKey(keys['primaryKey'], 'primaryKey', before?.primaryKey),
      secondaryKey: symmetricKey(keys['secondaryKey'], 'secondaryKey', before?.secondaryKey),
      iotEdge,
      ...(parent === undefined ? {} : iotEdge ? { parentScopes: [parent] } : { deviceScope: parent }),
    };
    this.#store.putDevice(record, existing?.twin ?? emptyTwin(now));
    const revoked =
      before !== undefined &&
      (status === 'disabled' || before.primaryKey !== record.primaryKey || before.secondaryKey !== record.secondaryKey);
    if (revoked) this.#events.deviceRevoked(deviceId);
    return record;
  }

  /**
   * The scope of the parent the device document `body` names, checked: a leaf device names it in `deviceScope`, an
   * edge device in `parentScopes` (its own `deviceScope` is the hub's to make). The parent must be a registered IoT
   * Edge device, and no device may be its own ancestor. A PUT replaces the identity: no scope, no parent.
   */
  #parentOf(deviceId: string, generationId: string, iotEdge: boolean, body: JsonObject): string | undefined {
    const given = body['deviceScope'];
    if (given !== undefined && given !== null && typeof given !== 'string')
      throw badRequest('deviceScope must be a string');
    const scopes = body['parentScopes'];
    if (
      scopes !== undefined &&
      scopes !== null &&
      !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))
    ) {
      throw badRequest('parentScopes must be an array of scopes (strings)');
    }
    let scope: string | undefined;
    if (iotEdge) {
      if (typeof given === 'string' && given !== '' && given !== edgeScope(deviceId, generationId)) {
        throw badRequest(
          `deviceScope of IoT Edge device ${deviceId} is made by the hub and cannot be set; ` +
            "name the edge device above it in parentScopes (the parent's deviceScope)",
        );
      }
      const list = (scopes ?? []) as string[];
      if (list.length > 1) throw badRequest('parentScopes holds at most one scope: a device has one parent');
      scope = list[0];
    } else {
      // IoT Hub fills a leaf's parentScopes in from its deviceScope; what the body holds there is not read
      scope = typeof given === 'string' ? given : undefined;
    }
    if (scope === undefined || scope === '') return undefined;
    let ancestor = this.#edgeDeviceOf(scope, deviceId);
    for (let depth = 1; ; depth++) {
      if (ancestor.deviceId === deviceId) {
        throw badRequest(`device ${deviceId} cannot be a parent of itself, nor a child of its own children`);
      }
      const above = parentScope(ancestor);
      if (above === undefined) break;
      if (depth >= MAX_EDGE_DEPTH) {
        throw badRequest(
          `the parent ${scope} is ${MAX_EDGE_DEPTH} layers deep already; IoT Edge nests at most so many`,
        );
      }
      ancestor = this.#edgeDeviceOf(above, deviceId);
    }
    return scope;
  }

  /** The registered IoT Edge device whose scope `scope` is, else a 400 that says what is wrong. */
  #edgeDeviceOf(scope: string, childId: string): DeviceRecord {
    const id = scope.startsWith(DEVICE_SCOPE_PREFIX)
      ? scope.slice(DEVICE_SCOPE_PREFIX.length, scope.lastIndexOf('-'))
      : '';
    const parent = this.lookup(id);
    if (parent === undefined || deviceScope(parent) !== scope) {
      throw badRequest(
        `the parent scope ${JSON.stringify(scope)} of ${childId} is no device's: ` +
          'give the deviceScope of a registered IoT Edge device (GET /devices/{parent} shows it)',
      );
    }
    if (!parent.iotEdge) {
      throw badRequest(
        `device ${parent.deviceId} is not an IoT Edge device and cannot be a parent: ` +
          'set capabilities.iotEdge on it first',
      );
    }
    return parent;
  }

  #refuseWithChildren(record: DeviceRecord, what: string): void {
    const children = this.#store.children(deviceScope(record), '', 1);
    if (children.length > 0) {
      throw badRequest(
        `device ${record.deviceId} has children (${children[0]?.deviceId} ...) and cannot ${what}: ` +
          'give them another parent or none first',
      );
    }
  }

  /**
   * The children of IoT Edge device `deviceId` (leaf devices and edge devices below it), up to `count` after
   * `afterId`, by id: what its edge hub needs to authenticate them (the device-scope API).
   */
  children(deviceId: string, afterId: string, count: number): DeviceRecord[] {
    const { record } = this.#find(deviceId);
    if (!record.iotEdge) return [];
    return this.#store.children(deviceScope(record), afterId, count);
  }

  /** Device `childId` if it is a child of IoT Edge device `gatewayId`, else undefined. */
  child(gatewayId: string, childId: string): DeviceRecord | undefined {
    const gateway = this.lookup(gatewayId);
    const child = this.lookup(childId);
    if (gateway === undefined || child === undefined || !gateway.iotEdge) return undefined;
    return parentScope(child) === deviceScope(gateway) ? child : undefined;
  }

  /** GET /devices/{id}. */
  getDevice(deviceId: string): DeviceRecord {
    return this.#find(deviceId).record;
  }

  /** GET /devices: up to `top` devices, by id. */
  listDevices(top: number): DeviceRecord[] {
    return this.#store.devices(top);
  }

  /** DELETE /devices/{id}: the device, its twin and its telemetry; its connection ends. */
  deleteDevice(deviceId: string, ifMatch: string | undefined): void {
    const { record } = this.#find(deviceId);
    checkEtag(ifMatch, deviceEtag(record), `Device ${deviceId}`);
    this.#store.deleteDevice(deviceId);
    this.#events.deviceRevoked(deviceId);
  }

  /** The device's twin state. */
  twin(deviceId: string): TwinState {
    return this.#find(deviceId).twin;
  }

  /** PATCH /twins/{id}: merges `tags` and `properties.desired`; a desired change is sent to the device. */
  patchTwin(deviceId: string, body: unknown, ifMatch: string | undefined): TwinState {
    return this.#changeTwin(deviceId, body, ifMatch, 'patch');
  }

  /** PUT /twins/{id}: replaces `tags` and `properties.desired`. */
  replaceTwin(deviceId: string, body: unknown, ifMatch: string | undefined): TwinState {
    return this.#changeTwin(deviceId, body, ifMatch, 'replace');
  }

  #changeTwin(deviceId: string, body: unknown, ifMatch: string | undefined, how: 'patch' | 'replace'): TwinState {
    const { twin } = this.#find(deviceId);
    checkEtag(ifMatch, twinEtag(twin), `the twin of ${deviceId}`);
    if (!isJsonObject(body)) throw badRequest('the body must be a twin as a JSON object');
    const properties = body['properties'] ?? {};
    if (!isJsonObject(properties)) throw badRequest('properties must be an object');
    if (properties['reported'] !== undefined) {
      throw badRequest('properties.reported belongs to the device: the service changes tags and desired only');
    }
    const tags = body['tags'];
    const desired = properties['desired'];
    const patchOf = (value: JsonValue | undefined, section: string): JsonObject | undefined => {
      if (value === undefined) return how === 'replace' ? {} : undefined;
      const plain = isJsonObject(value) ? withoutBookkeeping(value) : value;
      const problem = patchProblem(plain, section);
      if (problem !== undefined) throw badRequest(problem);
      return plain as JsonObject;
    };
    const tagsPatch = patchOf(tags, 'tags');
    const desiredPatch = patchOf(desired, 'properties.desired');
    const now = this.#now();
    let next = twin;
    let notification: JsonObject | undefined;
    if (tagsPatch !== undefined) {
      const section = { properties: twin.tags, metadata: {}, version: 0 };
      const changed =
        how === 'patch' ? patchSection(section, tagsPatch, now, true) : replaceSection(section, tagsPatch, now);
      const problem = sizeProblem(changed.properties, 'tags', TWIN_LIMITS.tagsBytes);
      if (problem !== undefined) throw badRequest(problem);
      next = { ...next, tags: changed.properties };
    }
    if (desiredPatch !== undefined) {
      const changed =
        how === 'patch'
          ? patchSection(twin.desired, desiredPatch, now, true)
          : replaceSection(twin.desired, desiredPatch, now);
      const problem = sizeProblem(changed.properties, 'properties.desired', TWIN_LIMITS.sectionBytes);
      if (problem !== undefined) throw badRequest(problem);
      next = { ...next, desired: changed };
      const change = how === 'patch' ? desiredPatch : topLevelDifference(twin.desired.properties, changed.properties);
      notification = { ...change, $version: changed.version };
    }
    if (next === twin) return twin;
    next = { ...next, version: twin.version + 1 };
    this.#store.putTwin(deviceId, next);
    if (notification !== undefined) this.#events.desiredPatched(deviceId, notification);
    return next;
  }

  /** A device's reported patch: merged, and the new reported `$version` returned; 400 when it breaks the limits. */
  patchReported(deviceId: string, patch: unknown): number {
    const { twin } = this.#find(deviceId);
    const problem = patchProblem(patch, 'properties.reported');
    if (problem !== undefined) throw badRequest(problem);
    const reported = patchSection(twin.reported, patch as JsonObject, this.#now(), false);
    const tooBig = sizeProblem(reported.properties, 'properties.reported', TWIN_LIMITS.sectionBytes);
    if (tooBig !== undefined) throw badRequest(tooBig);
    this.#store.putTwin(deviceId, { ...twin, reported, version: twin.version + 1 });
    return reported.version;
  }

  /** A device as IoT Hub's REST API shows it. */
  deviceDocument(record: DeviceRecord): JsonObject {
    const connected = this.#events.isConnected(record.deviceId);
    return {
      deviceId: record.deviceId,
      generationId: record.generationId,
      etag: deviceEtag(record),
      connectionState: connected ? 'Connected' : 'Disconnected',
      status: record.status,
      statusReason: record.statusReason,
      connectionStateUpdatedTime: NEVER,
      statusUpdatedTime: record.statusUpdatedTime,
      lastActivityTime: NEVER,
      cloudToDeviceMessageCount: 0,
      authentication: {
        symmetricKey: { primaryKey: record.primaryKey, secondaryKey: record.secondaryKey },
        x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
        type: 'sas',
      },
      capabilities: { iotEdge: record.iotEdge },
      deviceScope: deviceScope(record),
      parentScopes: parentScopes(record),
    };
  }

  /** A twin as IoT Hub's REST API shows it (`GET /twins/{id}`). */
  twinDocument(deviceId: string, twin: TwinState): JsonObject {
    const record = this.getDevice(deviceId);
    return {
      deviceId,
      etag: twinEtag(twin),
      deviceEtag: deviceEtag(record),
      status: record.status,
      statusUpdateTime: record.statusUpdatedTime,
      connectionState: this.#events.isConnected(deviceId) ? 'Connected' : 'Disconnected',
      lastActivityTime: NEVER,
      cloudToDeviceMessageCount: 0,
      authenticationType: 'sas',
      x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
      version: twin.version,
      tags: twin.tags,
      properties: {
        desired: sectionDocument(twin.desired, true),
        reported: sectionDocument(twin.reported, true),
      },
      capabilities: { iotEdge: record.iotEdge },
      deviceScope: deviceScope(record),
      parentScopes: parentScopes(record),
    };
  }
}

/** `$metadata` and `$version` of a twin read back and sent again are IoT Hub's, not the caller's: dropped. */
function withoutBookkeeping(section: JsonObject): JsonObject {
  const { $metadata: _metadata, $version: _version, ...properties } = section;
  return properties;
}
