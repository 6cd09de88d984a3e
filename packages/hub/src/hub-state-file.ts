import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubNotRunningError } from './hub-errors.js';

/** What a running hub writes into its data directory (`hub.json`) for the `os hub` subcommands to find it. */
export interface HubStateFile {
  /** The hub's process. */
  readonly pid: number;
  /** `mqtts://localhost:<port>`. */
  readonly deviceEndpoint: string;
  /** The MQTT port devices connect to. */
  readonly port: number;
  /** The HTTPS port of the service API. */
  readonly httpsPort: number;
  /** The `iothubowner` connection string the subcommands sign with. */
  readonly serviceConnectionString: string;
  /** The CA certificate to trust. */
  readonly caPath: string;
}

/** The state file's path in `dataDir`. */
export function hubStatePath(dataDir: string): string {
  return join(dataDir, 'hub.json');
}

/** Writes the state (mode 0600: it holds the service key). */
export function writeHubState(dataDir: string, state: HubStateFile): void {
  writeFileSync(hubStatePath(dataDir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the state file when it is still the one `pid` wrote. */
export function removeHubState(dataDir: string, pid: number): void {
  try {
    if ((JSON.parse(readFileSync(hubStatePath(dataDir), 'utf8')) as HubStateFile).pid === pid) {
      rmSync(hubStatePath(dataDir));
    }
  } catch {
    // gone already
  }
}

/** The state a running hub wrote into `dataDir`; `HubNotRunningError` when there is none. */
export function readHubState(dataDir: string): HubStateFile {
  let text: string;
  try {
    text = readFileSync(hubStatePath(dataDir), 'utf8');
  } catch {
    throw new HubNotRunningError(dataDir);
  }
  const state = JSON.parse(text) as Partial<HubStateFile>;
  if (typeof state.httpsPort !== 'number' || typeof state.serviceConnectionString !== 'string') {
    throw new HubNotRunningError(dataDir);
  }
  return state as HubStateFile;
}
