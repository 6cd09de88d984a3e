import type { HubServiceClient } from '@os/hub';
import type { Robot } from './robot.mjs';

/** What `startFleet` needs. */
export interface FleetOptions {
  /** How many robots. */
  readonly count: number;
  /** Readings per second per robot. */
  readonly rate: number;
  /** The hub's device host (`localhost:<port>`): the connection strings' `HostName`. */
  readonly hostName: string;
  /** A service client of the hub, to register the robots. */
  readonly service: HubServiceClient;
  /** The CA (PEM) the robots trust. */
  readonly ca?: string | undefined;
  /** `host:port` of a gateway to connect through (`GatewayHostName`). */
  readonly gateway?: string | undefined;
  /** The IoT Edge device (the gateway's identity) the robots are made children of; none when absent. */
  readonly parent?: string | undefined;
  /** Device ids are `<prefix>-1` ...; `robot` when absent. */
  readonly prefix?: string | undefined;
  /** Readings per robot in all; no end when absent. */
  readonly messages?: number | undefined;
  /** Readings per robot in flight, at most. */
  readonly maxInFlight?: number | undefined;
  /** Told of each error a robot's SDK reports. */
  readonly onError?: ((deviceId: string, error: Error) => void) | undefined;
}

/** Running robots. */
export interface Fleet {
  /** The robots in order of their ids. */
  readonly robots: readonly Robot[];
  /** Their device connection strings, in the same order. */
  readonly connectionStrings: readonly string[];
  /** Whether every robot sent all its readings and has an answer for each. */
  readonly done: boolean;
  /** Stops every robot and closes its client. */
  stop(): Promise<void>;
}

/** Registers, connects and starts `count` robots. */
export declare function startFleet(options: FleetOptions): Promise<Fleet>;
