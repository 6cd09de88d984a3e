import { bounded } from './xml-text.js';

/** Where one desired component is, as reported in `properties.reported.dynamic.deploy.components`. */
export type ComponentStep = 'downloading' | 'verifying' | 'starting' | 'running' | 'exited' | 'failed';

/** Where the whole desired document is: still on its way, done, or done with failures. */
export type DeployStatus = 'converged' | 'deploying' | 'failed';

/** One component's reported state. */
export interface ComponentState {
  /** The pkg its entry names (as written, when it was not a valid path). */
  readonly pkg?: string;
  /** Where it is. */
  readonly state: ComponentStep;
  /** Why it failed or exited (`exit value 3`), or what its download waits for. */
  readonly reason?: string;
  /**
   * How often the runtime init started it again under the same name and binary since deploy first saw it running
   * (a heartbeat restart, a restart with a server it uses); not counted across a change of its pkg.
   */
  readonly restarts: number;
}

/** The `deploy_state` report: what the twin client patches into `properties.reported.dynamic.deploy`. */
export interface DeployState {
  /** The desired `$version` this state reflects. */
  readonly desiredVersion: number | null;
  /** `deploying` while a component downloads, verifies or starts; then `failed` if one failed, else `converged`. */
  readonly status: DeployStatus;
  /** Why the desired document as a whole was not applied (it is invalid); what ran before keeps running. */
  readonly reason?: string;
  /** Each desired component by name (a refused entry without a usable name by `deploy[i]`). */
  readonly components: Readonly<Record<string, ComponentState>>;
}

const IN_PROGRESS: ReadonlySet<ComponentStep> = new Set(['downloading', 'verifying', 'starting']);

/** The status of a document with these components: in progress first, then failures (an exit with a value not 0). */
export function deployStatus(components: Iterable<ComponentState>): DeployStatus {
  let failed = false;
  for (const component of components) {
    if (IN_PROGRESS.has(component.state)) return 'deploying';
    if (component.state === 'failed' || (component.state === 'exited' && component.reason !== 'exit value 0'))
      failed = true;
  }
  return failed ? 'failed' : 'converged';
}

/**
 * The most characters of `deploy_state` before reasons are cut short: IoT Hub takes at most 32 KB of reported
 * properties, and the twin client has more to report than this.
 */
export const DEPLOY_STATE_LIMIT = 24 * 1024;

/** `state` as JSON, the `deploy_state` report; past {@link DEPLOY_STATE_LIMIT}, each reason cut to 100 characters. */
export function deployStateText(state: DeployState): string {
  const text = JSON.stringify(state);
  if (text.length <= DEPLOY_STATE_LIMIT) return text;
  const components = Object.fromEntries(
    Object.entries(state.components).map(([name, component]) => [
      name,
      component.reason === undefined ? component : { ...component, reason: bounded(component.reason, 100) },
    ]),
  );
  return JSON.stringify({ ...state, components });
}
