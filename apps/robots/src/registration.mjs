import { readFileSync } from 'node:fs';
import { HubRequestError, HubServiceClient, readHubState } from '@os/hub';
import { RobotRegistrationError, RobotsUsageError } from './robots-errors.mjs';

/**
 * The hub a robot fleet registers with, read from the `hub.json` a running hub (`os hub start --data DIR`) wrote:
 * its device host (`localhost:<port>`, the connection strings' `HostName`), a service client, and its CA.
 *
 * @param {string} dataDir the hub's data directory
 * @returns {import('./registration.d.mts').HubAccess}
 */
export function hubAccess(dataDir) {
  let state;
  try {
    state = readHubState(dataDir);
  } catch (error) {
    throw new RobotsUsageError(`--hub-data ${dataDir}: ${(error instanceof Error && error.message) || error}`);
  }
  const ca = readFileSync(state.caPath, 'utf8');
  return {
    hostName: state.deviceEndpoint.replace(/^mqtts:\/\//, ''),
    ca,
    caPath: state.caPath,
    service: new HubServiceClient(state.serviceConnectionString, ca),
  };
}

/**
 * Registers `deviceId` at the hub (or takes it as it is when it exists) and returns its device connection string,
 * with `GatewayHostName=<gateway>` when a gateway is given: Microsoft's device SDK then connects to the gateway and
 * still names the hub in its user name and SAS token, as a leaf device behind IoT Edge does. With `parent` (an IoT
 * Edge device) the robot becomes its child, also when it existed, as `os hub device add ID --parent GW` does.
 *
 * @param {HubServiceClient} service
 * @param {string} hostName the hub's device host (`localhost:<port>`)
 * @param {string} deviceId
 * @param {{ gateway?: string | undefined, parent?: string | undefined }} [where]
 */
export async function registerRobot(service, hostName, deviceId, where = {}) {
  const relation = where.parent === undefined ? {} : { parent: where.parent };
  let device;
  try {
    device = await service.addDevice(deviceId, relation).catch((error) => {
      if (!(error instanceof HubRequestError && error.status === 409)) throw error;
      return where.parent === undefined ? service.getDevice(deviceId) : service.setRelation(deviceId, relation);
    });
  } catch (error) {
    throw new RobotRegistrationError(
      `cannot register robot ${deviceId}${where.parent === undefined ? '' : ` as a child of ${where.parent}`}: ` +
        `${(error instanceof Error && error.message) || error}`,
    );
  }
  const authentication = /** @type {{ symmetricKey?: { primaryKey?: unknown } } | undefined} */ (
    device['authentication']
  );
  const key = authentication?.symmetricKey?.primaryKey;
  if (typeof key !== 'string' || key.length === 0) {
    throw new RobotRegistrationError(
      `robot ${deviceId} exists at the hub without a symmetric key (X.509?): delete it or choose another --prefix`,
    );
  }
  const connectionString = `HostName=${hostName};DeviceId=${deviceId};SharedAccessKey=${key}`;
  return where.gateway === undefined ? connectionString : `${connectionString};GatewayHostName=${where.gateway}`;
}
