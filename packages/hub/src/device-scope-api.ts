import type { JsonObject } from '@os/iothub';
import type { HubRegistry } from './hub-registry.js';
import { HubServiceError } from './hub-service-error.js';

/** The api-version IoT Edge's edge hub asks the device-scope API with. */
export const DEVICE_SCOPE_API_VERSION = '2018-08-30-preview';

/** The one module whose path the device-scope API answers on: the gateway's edge hub. */
export const EDGE_HUB_MODULE = '$edgeHub';

/** The most identities one page of the device-scope API holds (IoT Edge asks for at most 1000). */
export const MAX_SCOPE_PAGE = 1000;

function pageSize(value: string | null): number {
  if (value === null || value === '') return MAX_SCOPE_PAGE;
  const count = Number(value);
  if (!/^\d{1,4}$/.test(value) || count < 1 || count > MAX_SCOPE_PAGE) {
    throw new HubServiceError(400, 'ArgumentInvalid', `deviceCount must be a whole number from 1 to ${MAX_SCOPE_PAGE}`);
  }
  return count;
}

function afterId(token: string | null): string {
  if (token === null || token === '') return '';
  const id = Buffer.from(token, 'base64url').toString('utf8');
  if (Buffer.from(id, 'utf8').toString('base64url') !== token) {
    throw new HubServiceError(
      400,
      'ArgumentInvalid',
      'continuationToken is not one this hub gave out; start again without it',
    );
  }
  return id;
}

/**
 * IoT Hub's device-scope API, which IoT Edge's edge hub calls to learn the identities it may authenticate locally:
 * `GET /devices/{gateway}/modules/$edgeHub/devicesAndModulesInDeviceScope?deviceCount=&continuationToken=` pages
 * through the gateway's children (`{devices, modules, continuationLink}`, keys included);
 * `GET .../deviceAndModuleInDeviceScope?targetDeviceId=` gives one child, or 400 when it is none of the gateway's.
 * The caller is already known to be the gateway (or the service).
 */
export function answerDeviceScope(
  registry: HubRegistry,
  gatewayId: string,
  operation: string,
  query: URLSearchParams,
): JsonObject {
  if (operation === 'devicesAndModulesInDeviceScope') {
    const count = pageSize(query.get('deviceCount'));
    const children = registry.children(gatewayId, afterId(query.get('continuationToken')), count);
    const last = children.at(-1);
    const continuationLink =
      children.length === count && last !== undefined
        ? `/devices/${encodeURIComponent(gatewayId)}/modules/${encodeURIComponent(EDGE_HUB_MODULE)}/` +
          `devicesAndModulesInDeviceScope?deviceCount=${count}` +
          `&continuationToken=${Buffer.from(last.deviceId, 'utf8').toString('base64url')}` +
          `&api-version=${DEVICE_SCOPE_API_VERSION}`
        : null;
    return { devices: children.map((child) => registry.deviceDocument(child)), modules: [], continuationLink };
  }
  const target = query.get('targetDeviceId') ?? '';
  const module = query.get('targetModuleId') ?? '';
  const child = module === '' ? registry.child(gatewayId, target) : undefined;
  if (child === undefined) {
    // the same answer whether the target exists or not: a gateway learns nothing of devices outside its scope
    throw new HubServiceError(
      400,
      'ArgumentInvalid',
      `${target}${module === '' ? '' : `/${module}`} is not in the device scope of ${gatewayId}: ` +
        `make it a child of ${gatewayId} (its deviceScope) first`,
    );
  }
  return { devices: [registry.deviceDocument(child)], modules: [], continuationLink: null };
}
