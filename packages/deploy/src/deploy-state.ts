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

/** A component's reported state with its member of the report's `components` object, rendered once. */
export interface RenderedComponent {
  /** Its key in `components`. */
  readonly name: string;
  /** The state. */
  readonly state: ComponentState;
  /** `"name":{...}`: the state under its name, as `JSON.stringify` writes a member of `components`. */
  readonly member: string;
  /** The status of a document with this component alone: {@link deployStatus} of it. */
  readonly status: DeployStatus;
}

/** Renders `state` as the member `name` of the report's `components` object. */
export function renderedComponent(name: string, state: ComponentState): RenderedComponent {
  return { name, state, member: `${JSON.stringify(name)}:${JSON.stringify(state)}`, status: deployStatus([state]) };
}

/** {@link deployStatus} of rendered components, from the status each has alone (the status does not hang on order). */
export function renderedStatus(components: Iterable<RenderedComponent>): DeployStatus {
  let failed = false;
  for (const component of components) {
    if (component.status === 'deploying') return 'deploying';
    if (component.status === 'failed') failed = true;
  }
  return failed ? 'failed' : 'converged';
}

/** Whether an object may list key `name` out of the order it was added in: an array index (it starts with a digit). */
export function mayBeIndex(name: string): boolean {
  const first = name.charCodeAt(0);
  return first >= 48 && first <= 57;
}

/**
 * `components` in the order an object made of them lists its keys, and `JSON.stringify` writes its members: array
 * indices first, in ascending order, then the other names in the order given; a name given again keeps its place and
 * takes the later component.
 */
export function inObjectOrder<Component extends RenderedComponent>(components: readonly Component[]): Component[] {
  const object: Record<string, Component> = {};
  for (const component of components) object[component.name] = component;
  return Object.values(object);
}

/**
 * {@link deployStateText} of the state of `head` with `components` (in {@link inObjectOrder}), joined from the
 * members rendered already: each event re-renders only the components it changed, and the text is the same byte for
 * byte.
 */
export function renderedDeployStateText(
  head: Omit<DeployState, 'components'>,
  components: readonly RenderedComponent[],
): string {
  const reason = head.reason === undefined ? '' : `,"reason":${JSON.stringify(head.reason)}`;
  const members = components.map((component) => component.member).join(',');
  const text =
    `{"desiredVersion":${JSON.stringify(head.desiredVersion)},"status":${JSON.stringify(head.status)}${reason},` +
    `"components":{${members}}}`;
  if (text.length <= DEPLOY_STATE_LIMIT) return text;
  const states = components.map((component) => [component.name, component.state] as const);
  return deployStateText({ ...head, components: Object.fromEntries(states) });
}
