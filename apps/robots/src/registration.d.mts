import type { HubServiceClient } from '@os/hub';

/** A running hub as robots need it. */
export interface HubAccess {
  /** Its device host, `localhost:<port>`. */
  readonly hostName: string;
  /** Its CA certificate (PEM). */
  readonly ca: string;
  /** The CA certificate's path. */
  readonly caPath: string;
  /** A client of its service API. */
  readonly service: HubServiceClient;
}

/** The hub running with data directory `dataDir`. */
export declare function hubAccess(dataDir: string): HubAccess;

/**
 * Registers the device (or takes it as it is), as a child of `parent` if given, and returns its connection string,
 * with `GatewayHostName` if a gateway is given.
 */
export declare function registerRobot(
  service: HubServiceClient,
  hostName: string,
  deviceId: string,
  where?: { gateway?: string | undefined; parent?: string | undefined },
): Promise<string>;
