import { isDepotName } from '@os/depot';
import { XmlError, type XmlNode, suggest } from '@os/runtime';
import { DeployConfigError } from './errors.js';

/** The runtime init's heartbeat monitoring, when deploy's config asks for it. */
export interface RuntimeHeartbeat {
  /** How often the runtime init pings its children (`rate_ms`). */
  readonly rateMs: number;
  /** After how many skipped heartbeats it restarts a child (`restart_after_skipped`). */
  readonly restartAfterSkipped: number;
}

/** deploy's configuration: whose pkgs it deploys, how much it may hand out, and what the runtime's parent offers. */
export interface DeployConfig {
  /** The depot users whose pkgs may be deployed (`<trust user="..."/>`); every other user's are refused. */
  readonly trustedUsers: ReadonlySet<string>;
  /** RAM the runtime init may lend its children in all, in bytes: its quota less what init keeps for itself. */
  readonly ram: number;
  /** Capabilities the runtime init may lend its children in all. */
  readonly caps: number;
  /** The services the runtime init's parent routes for it: its `<parent-provides>`. */
  readonly parentProvides: readonly string[];
  /** The runtime init's heartbeat monitoring, if any. */
  readonly heartbeat?: RuntimeHeartbeat;
}

/** What the runtime's parent provides when deploy's config does not say: what the gateway's top init routes. */
export const DEFAULT_PARENT_PROVIDES: readonly string[] = ['LOG', 'PD', 'CPU', 'ROM', 'Timer', 'Net', 'Rtc', 'Report'];

const NODES = ['trust', 'parent-provides', 'heartbeat'];
const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

function fail(node: XmlNode, message: string): never {
  throw new DeployConfigError(node.error(message).message);
}

function onlyAttributes(node: XmlNode, known: readonly string[]): void {
  for (const name of node.attributeNames()) {
    if (known.includes(name)) continue;
    const meant = suggest(name, known);
    fail(
      node,
      `<${node.type}> has unknown attribute "${name}"${meant === undefined ? '' : ` (did you mean "${meant}"?)`}; ` +
        `known: ${known.join(', ') || 'none'}`,
    );
  }
}

function quota(config: XmlNode, name: 'ram' | 'caps', example: string): number {
  if (!config.hasAttribute(name))
    fail(
      config,
      `<config> needs ${name}="..." (e.g. ${name}="${example}"): what the runtime init may lend its children`,
    );
  const value = config.numberAttribute(name, 0);
  if (value <= 0) fail(config, `<config> has ${name}="${config.attribute(name)}"; give the runtime's children some`);
  return value;
}

function parentProvides(config: XmlNode): string[] {
  const nodes = config.subNodes('parent-provides');
  if (nodes.length === 0) return [...DEFAULT_PARENT_PROVIDES];
  if (nodes.length > 1) fail(nodes[1] as XmlNode, 'more than one <parent-provides>; merge them into one');
  const services: string[] = [];
  for (const service of (nodes[0] as XmlNode).subNodes()) {
    if (service.type !== 'service') fail(service, `<parent-provides> holds <${service.type}>; it lists <service name>`);
    onlyAttributes(service, ['name']);
    const name = service.attribute('name') ?? '';
    if (!SERVICE_NAME.test(name)) fail(service, `<service> needs name="..." with a service name such as "Timer"`);
    if (!services.includes(name)) services.push(name);
  }
  return services;
}

function heartbeat(config: XmlNode): RuntimeHeartbeat | undefined {
  const nodes = config.subNodes('heartbeat');
  if (nodes.length === 0) return undefined;
  const node = nodes[0] as XmlNode;
  if (nodes.length > 1) fail(nodes[1] as XmlNode, 'more than one <heartbeat>; keep one');
  onlyAttributes(node, ['rate_ms', 'restart_after_skipped']);
  const rateMs = node.numberAttribute('rate_ms', 1000);
  const restartAfterSkipped = node.numberAttribute('restart_after_skipped', 0);
  if (rateMs <= 0) fail(node, '<heartbeat> needs a rate_ms above 0');
  return { rateMs, restartAfterSkipped };
}

/**
 * Reads deploy's `<config>`:
 * `<config ram="24M" caps="600"> <trust user="gapstage"/> <parent-provides>...</parent-provides> <heartbeat .../>`.
 * Throws `DeployConfigError` naming the line and the fix.
 */
export function readDeployConfig(config: XmlNode): DeployConfig {
  try {
    if (config.type !== 'config') fail(config, `the top-level node is <${config.type}>; deploy's config is <config>`);
    onlyAttributes(config, ['ram', 'caps']);
    for (const node of config.subNodes()) {
      if (NODES.includes(node.type)) continue;
      const meant = suggest(node.type, NODES);
      fail(
        node,
        `unknown node <${node.type}> in deploy's <config>${meant === undefined ? '' : ` (did you mean <${meant}>?)`}` +
          `; known: ${NODES.map((type) => `<${type}>`).join(', ')}`,
      );
    }
    const trustedUsers = new Set<string>();
    for (const trust of config.subNodes('trust')) {
      onlyAttributes(trust, ['user']);
      const user = trust.attribute('user') ?? '';
      if (!isDepotName(user)) fail(trust, `<trust> needs user="..." naming a depot user (e.g. user="gapstage")`);
      trustedUsers.add(user);
    }
    const beat = heartbeat(config);
    return {
      trustedUsers,
      ram: quota(config, 'ram', '64M'),
      caps: quota(config, 'caps', '1000'),
      parentProvides: parentProvides(config),
      ...(beat === undefined ? {} : { heartbeat: beat }),
    };
  } catch (error) {
    if (error instanceof XmlError) throw new DeployConfigError(error.message);
    throw error;
  }
}
