import { XmlNode } from '@os/runtime';

/** Where a child's session requests for one service go. */
export type RouteTarget = 'parent' | { readonly child: string };

/** One child of init: Genode's `<start>` entry, in its first, typed form. */
export interface StartEntry {
  /** The child's name: its label element. */
  readonly name: string;
  /** The binary to start; default: the name. */
  readonly binary?: string;
  /** RAM lent to the child, in bytes. */
  readonly ram: number;
  /** Capabilities lent to the child. */
  readonly caps: number;
  /** Services the child announces and siblings may route to. */
  readonly provides?: readonly string[];
  /** Routes by service name; a service not listed goes to the parent. */
  readonly routes?: Readonly<Record<string, RouteTarget>>;
  /**
   * The child's configuration, an XML `<config>` element as text: init serves it as the child's
   * "config" ROM (Genode's `<config>` inside `<start>`). Without it, the child's "config" ROM
   * request is routed like any other ROM request.
   */
  readonly config?: string;
  /** When the child exits, init exits with the same value (Genode's `<exit propagate="yes"/>`). */
  readonly exit?: { readonly propagate: boolean };
}

/** init's configuration, first form: a static set of children. */
export interface InitConfig {
  /** The children, started in order. */
  readonly children: readonly StartEntry[];
}

/** A configuration that cannot work; names the start entry and the fix. */
export class InitConfigError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'InitConfigError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks an untrusted value (e.g. parsed JSON) against the configuration's shape and meaning. */
export function parseInitConfig(value: unknown): InitConfig {
  if (!isRecord(value) || !Array.isArray(value['children'])) throw new InitConfigError('init config: expected { children: [...] }');
  const names = new Set<string>();
  const children = value['children'].map((entry: unknown, index: number): StartEntry => {
    const where = `init config: children[${index}]`;
    if (!isRecord(entry)) throw new InitConfigError(`${where}: expected an object`);
    const name = entry['name'];
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name)) throw new InitConfigError(`${where}: "name" must be a non-empty word (letters, digits, _ . -)`);
    if (names.has(name)) throw new InitConfigError(`${where}: a second child named "${name}"; names must be unique`);
    names.add(name);
    for (const key of ['ram', 'caps'] as const) {
      const amount = entry[key];
      if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) throw new InitConfigError(`${where} ("${name}"): "${key}" must be a non-negative integer`);
    }
    const binary = entry['binary'];
    if (binary !== undefined && typeof binary !== 'string') throw new InitConfigError(`${where} ("${name}"): "binary" must be a string`);
    const provides = entry['provides'];
    if (provides !== undefined && (!Array.isArray(provides) || !provides.every((service) => typeof service === 'string'))) {
      throw new InitConfigError(`${where} ("${name}"): "provides" must be a list of service names`);
    }
    const routes = entry['routes'];
    if (routes !== undefined && !isRecord(routes)) throw new InitConfigError(`${where} ("${name}"): "routes" must map service names to "parent" or { child }`);
    const exit = entry['exit'];
    const config = entry['config'];
    if (config !== undefined) {
      if (typeof config !== 'string') throw new InitConfigError(`${where} ("${name}"): "config" must be XML text such as '<config ticks="5"/>'`);
      let node: XmlNode;
      try {
        node = XmlNode.parse(config, `init config: child "${name}": config`);
      } catch (error) {
        throw new InitConfigError(error instanceof Error ? error.message : String(error));
      }
      if (node.type !== 'config') throw new InitConfigError(`${where} ("${name}"): "config" must be a <config> element, not <${node.type}>`);
    }
    return {
      name,
      ram: entry['ram'] as number,
      caps: entry['caps'] as number,
      ...(binary === undefined ? {} : { binary }),
      ...(provides === undefined ? {} : { provides: provides as string[] }),
      ...(routes === undefined ? {} : { routes: routes as Record<string, RouteTarget> }),
      ...(config === undefined ? {} : { config: config as string }),
      ...(isRecord(exit) ? { exit: { propagate: exit['propagate'] === true } } : {}),
    };
  });
  for (const child of children) {
    for (const [service, target] of Object.entries(child.routes ?? {})) {
      if (target === 'parent') continue;
      if (!isRecord(target) || typeof target.child !== 'string') {
        throw new InitConfigError(`init config: child "${child.name}": route for "${service}" must be "parent" or { child: name }`);
      }
      const provider = children.find((other) => other.name === target.child);
      if (provider === undefined) throw new InitConfigError(`init config: child "${child.name}": service "${service}" routes to child "${target.child}", which is not in this config`);
      if (!(provider.provides ?? []).includes(service)) {
        throw new InitConfigError(`init config: child "${child.name}": service "${service}" routes to child "${target.child}", which does not provide it (add it to its "provides")`);
      }
    }
  }
  return { children };
}
