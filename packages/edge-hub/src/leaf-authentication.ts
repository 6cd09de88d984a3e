import { isDeviceId, isSignedWith, parseSharedAccessSignature } from '@os/iothub';
import type { ScopeIdentity } from './device-scope-client.js';
import type { IdentityLookup } from './leaf-identities.js';

/** CONNACK return codes of MQTT 3.1.1 as IoT Hub uses them. */
export const CONNACK = {
  accepted: 0,
  unacceptableProtocol: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  notAuthorized: 5,
} as const;

/** What a leaf's CONNECT says about who it is. */
export interface LeafCredentials {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/** The outcome: the identity and how long its token is valid from now, or the CONNACK code and why. */
export type Authentication =
  | { readonly accepted: true; readonly identity: ScopeIdentity; readonly validForMs: number }
  | { readonly accepted: false; readonly code: number; readonly reason: string };

/** What authentication needs. */
export interface LeafAuthenticationParts {
  /** IoT Hub's host name, lower case, without a port: leaves' usernames and tokens must name it. */
  readonly hubHost: string;
  /** The gateway's device id, for the reasons. */
  readonly gatewayId: string;
  /** Looks the device up in the device scope. */
  readonly lookup: (deviceId: string) => Promise<IdentityLookup>;
  /** The wall-clock time, in milliseconds since the epoch. */
  readonly nowMs: () => Promise<number>;
}

/** The host part of `name` (`localhost` of `localhost:8883`), lower case. */
export function hostOf(name: string): string {
  return name.replace(/:\d+$/, '').toLowerCase();
}

function refuse(code: number, reason: string): Authentication {
  return { accepted: false, code, reason };
}

/**
 * Authenticates a leaf as IoT Hub does (and the hub's device broker): the client id is the device id, the username
 * `{hub host}/{device id}/?api-version=...`, the password a SAS token for `{hub host}/devices/{device id}` signed with
 * the device's primary or secondary key and not expired. The device must be an enabled child of the gateway.
 */
export async function authenticateLeaf(
  credentials: LeafCredentials,
  parts: LeafAuthenticationParts,
): Promise<Authentication> {
  const deviceId = credentials.clientId;
  if (!isDeviceId(deviceId)) {
    return refuse(CONNACK.identifierRejected, `client id "${deviceId.slice(0, 128)}" is not a device id`);
  }
  const [host, userDevice] = (credentials.username ?? '').split('/');
  if (userDevice !== deviceId || host === undefined || hostOf(host) !== parts.hubHost) {
    return refuse(CONNACK.notAuthorized, `username must be ${parts.hubHost}/${deviceId}/?api-version=...`);
  }
  const found = await parts.lookup(deviceId);
  if (found.kind === 'unavailable') {
    return refuse(
      CONNACK.serverUnavailable,
      `the device scope of ${parts.gatewayId} is not known yet: ${found.reason}`,
    );
  }
  if (found.kind === 'unknown') {
    return refuse(
      CONNACK.notAuthorized,
      `not in the device scope of ${parts.gatewayId} (unknown to the hub, or not a child of ${parts.gatewayId})`,
    );
  }
  if (!found.identity.enabled) return refuse(CONNACK.serverUnavailable, 'the device is disabled');
  const token = parseSharedAccessSignature(credentials.password ?? '');
  if (token === undefined) return refuse(CONNACK.notAuthorized, 'the password is no SAS token');
  const resource = token.resource.split('/');
  if (
    resource.length !== 3 ||
    hostOf(resource[0] ?? '') !== parts.hubHost ||
    resource[1] !== 'devices' ||
    resource[2] !== deviceId
  ) {
    return refuse(
      CONNACK.notAuthorized,
      `its SAS token is for "${token.resource.slice(0, 300)}", not ${parts.hubHost}/devices/${deviceId}`,
    );
  }
  const now = await parts.nowMs();
  if (token.expiry * 1000 <= now) {
    return refuse(CONNACK.notAuthorized, `its SAS token expired at ${new Date(token.expiry * 1000).toISOString()}`);
  }
  if (!isSignedWith(token, [found.identity.primaryKey, found.identity.secondaryKey], now)) {
    return refuse(CONNACK.notAuthorized, "its SAS token is signed with neither of the device's keys");
  }
  return { accepted: true, identity: found.identity, validForMs: token.expiry * 1000 - now };
}
