// Types of parts.mjs for the TypeScript tests and bench that use it.
import type { ChildProcess } from 'node:child_process';
import type { PublishResult } from '@os/depot/host';
import type { HubServiceClient, HubStateFile } from '@os/hub';

export const root: string;
export const BRIDGED: { readonly from: string; readonly to: string };
export const FIGURE_7: {
  dynamic: { deploy: { start: { name: string; pkg: string } }[] };
};

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<number | string>;
  line(pattern: string | RegExp): Promise<string>;
  stop(): Promise<number | string>;
}

export interface Broker {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export function processOf(args: string[], options?: object): RunningProcess;
export function osCommand(args: string[], input?: string): Promise<string>;
export function freePort(): Promise<number>;
export function startHub(
  dataDir: string,
): Promise<{ process: RunningProcess; state: HubStateFile; ca: string; service: HubServiceClient }>;
export function makeDepot(
  dir: string,
  options: { httpPort: number; broker: Broker; versions?: Record<string, string> },
): Promise<{ depot: string; key: string; pubkey: string; published: PublishResult[] }>;
export function startDepotServer(
  depot: string,
  port?: number | string,
): Promise<{ process: RunningProcess; url: string }>;
export function startBroker(): Promise<Broker>;
export function writeSettings(
  dir: string,
  options: {
    connectionString: string;
    ca: string;
    depotUrl: string;
    pubkey: string;
    storage: string;
    httpPort: number;
    broker: Broker;
    network?: Record<string, { connect?: string[]; listen?: (number | string)[] }>;
    edgeHub?: Record<string, unknown>;
  },
): string;
export function startGateway(file: string, echo?: (line: string) => void): RunningProcess;
export function deployState(
  service: HubServiceClient,
  deviceId: string,
): Promise<{ desiredVersion: number | undefined; reported: unknown }>;
export function waitForReported<T>(
  service: HubServiceClient,
  deviceId: string,
  accept: (reported: T, desiredVersion: number) => boolean,
  options?: { intervalMs?: number; gateway?: RunningProcess },
): Promise<T>;
export function convergedWith(names: string[]): (reported: unknown, version: number) => boolean;
