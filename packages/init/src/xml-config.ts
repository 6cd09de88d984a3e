import { XmlError, XmlNode, suggest } from '@os/runtime';
import { hasErrorCode } from '@os/kernel';
import { InitConfigError } from './config-error.js';
import type {
  ExportedService,
  InitConfig,
  LabelMatch,
  ReportOptions,
  RouteRule,
  RouteTarget,
  ServicePolicy,
  StartEntry,
} from './model.js';
import { checkInitConfig } from './check.js';

const LABEL_ATTRIBUTES = ['label', 'label_prefix', 'label_suffix', 'label_last'] as const;

/** Elements and attributes init knows; anything else is an error naming it. */
const CONFIG_CHILDREN = [
  'parent-provides',
  'default-route',
  'default',
  'start',
  'service',
  'report',
  'heartbeat',
  'resource',
];
const CONFIG_ATTRIBUTES = ['version', 'verbose', 'prio_levels'];
const START_CHILDREN = ['binary', 'provides', 'route', 'config', 'exit', 'heartbeat', 'resource'];
const START_ATTRIBUTES = ['name', 'caps', 'ram', 'version', 'priority', 'ld'];

function fail(node: XmlNode, message: string): never {
  throw new InitConfigError(`${node.origin}:${node.line}: <${node.type}>: ${message}`);
}

/** `; did you mean "x"?` when one of `known` is close to `word` by edit distance, else nothing. */
function didYouMean(word: string, known: readonly string[], quote: (name: string) => string): string {
  const close = suggest(word, known);
  return close === undefined ? '' : `; did you mean ${quote(close)}?`;
}

function checkAttributes(node: XmlNode, known: readonly string[]): void {
  for (const name of node.attributeNames()) {
    if (!known.includes(name)) {
      const hint = didYouMean(name, known, (close) => `"${close}"`);
      fail(node, `unknown attribute "${name}"${hint} (known: ${known.length === 0 ? 'none' : known.join(', ')})`);
    }
  }
}

function checkChildren(node: XmlNode, known: readonly string[]): void {
  for (const child of node.subNodes()) {
    if (!known.includes(child.type)) {
      const hint = didYouMean(child.type, known, (close) => `<${close}>`);
      fail(
        child,
        `unknown element inside <${node.type}>${hint} (known: ${known.map((name) => `<${name}>`).join(', ')})`,
      );
    }
  }
}

function required(node: XmlNode, attribute: string, example: string): string {
  const value = node.attribute(attribute);
  if (value === undefined || value.length === 0)
    fail(node, `attribute "${attribute}" is missing (write e.g. ${example})`);
  return value;
}

function number(node: XmlNode, attribute: string, fallback: number): number {
  try {
    return node.numberAttribute(attribute, fallback);
  } catch (error) {
    if (hasErrorCode<XmlError>(error, XmlError.code)) fail(node, error.message.replace(/^[^:]*:\d+: /, ''));
    throw error;
  }
}

function flag(node: XmlNode, attribute: string, fallback: boolean): boolean {
  try {
    return node.booleanAttribute(attribute, fallback);
  } catch (error) {
    if (hasErrorCode<XmlError>(error, XmlError.code)) fail(node, error.message.replace(/^[^:]*:\d+: /, ''));
    throw error;
  }
}

function labelMatch(node: XmlNode): LabelMatch | undefined {
  const present = LABEL_ATTRIBUTES.filter((name) => node.hasAttribute(name));
  if (present.length > 1)
    fail(node, `at most one of ${LABEL_ATTRIBUTES.join(', ')} may be given, found ${present.join(' and ')}`);
  const value = present[0] === undefined ? undefined : (node.attribute(present[0]) as string);
  switch (present[0]) {
    case 'label':
      return { label: value as string };
    case 'label_prefix':
      return { labelPrefix: value as string };
    case 'label_suffix':
      return { labelSuffix: value as string };
    case 'label_last':
      return { labelLast: value as string };
    default:
      return undefined;
  }
}

function routeTarget(node: XmlNode): RouteTarget {
  const label = node.attribute('label');
  const withLabel = label === undefined ? {} : { label };
  switch (node.type) {
    case 'parent':
      checkAttributes(node, ['label']);
      return { kind: 'parent', ...withLabel };
    case 'child':
      checkAttributes(node, ['name', 'label']);
      return { kind: 'child', name: required(node, 'name', '<child name="timer"/>'), ...withLabel };
    case 'any-child':
      checkAttributes(node, ['label']);
      return { kind: 'any-child', ...withLabel };
    default:
      return fail(node, 'unknown route target (known: <parent/>, <child name="..."/>, <any-child/>)');
  }
}

function routeRules(node: XmlNode): RouteRule[] {
  checkAttributes(node, []);
  return node.subNodes().map((rule): RouteRule => {
    if (rule.type !== 'service' && rule.type !== 'any-service')
      fail(rule, `unknown element inside <${node.type}> (known: <service name="...">, <any-service>)`);
    checkAttributes(
      rule,
      rule.type === 'service'
        ? ['name', ...LABEL_ATTRIBUTES, 'unscoped_label']
        : [...LABEL_ATTRIBUTES, 'unscoped_label'],
    );
    const targets = rule.subNodes().map(routeTarget);
    if (targets.length === 0)
      fail(rule, 'a route rule needs at least one target: <parent/>, <child name="..."/> or <any-child/>');
    const match = labelMatch(rule);
    const unscoped = rule.attribute('unscoped_label');
    if (unscoped !== undefined && match !== undefined)
      fail(rule, 'unscoped_label cannot be combined with label, label_prefix, label_suffix or label_last');
    return {
      service: rule.type === 'service' ? required(rule, 'name', '<service name="LOG">') : null,
      ...(unscoped !== undefined ? { match: { label: unscoped } } : match === undefined ? {} : { match }),
      unscoped: unscoped !== undefined,
      targets,
      line: rule.line,
    };
  });
}

function startEntry(node: XmlNode, defaults: { caps: number; ram: number }): StartEntry {
  checkAttributes(node, START_ATTRIBUTES);
  checkChildren(node, START_CHILDREN);
  const name = required(node, 'name', '<start name="hello">');
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) fail(node, `name "${name}" must be a word of letters, digits, "_", "." and "-"`);
  const binaryNode = node.subNodes('binary')[0];
  if (binaryNode !== undefined) checkAttributes(binaryNode, ['name', 'confined']);
  const provides = node.subNodes('provides')[0];
  const services = provides?.subNodes() ?? [];
  for (const service of services) {
    if (service.type !== 'service') fail(service, 'unknown element inside <provides> (known: <service name="..."/>)');
    checkAttributes(service, ['name']);
  }
  const route = node.subNodes('route')[0];
  const exit = node.subNodes('exit')[0];
  if (exit !== undefined) checkAttributes(exit, ['propagate']);
  const heartbeat = node.subNodes('heartbeat')[0];
  if (heartbeat !== undefined) checkAttributes(heartbeat, ['restart_after_skipped']);
  let ram = number(node, 'ram', defaults.ram);
  let caps = number(node, 'caps', defaults.caps);
  for (const resource of node.subNodes('resource')) {
    // the older form of quota, as Genode still reads it: <resource name="RAM" quantum="1M"/>
    checkAttributes(resource, ['name', 'quantum']);
    const kind = required(resource, 'name', '<resource name="RAM" quantum="1M"/>');
    if (kind === 'RAM') ram = number(resource, 'quantum', ram);
    else if (kind === 'CAP') caps = number(resource, 'quantum', caps);
    else fail(resource, `resource name="${kind}" is neither "RAM" nor "CAP"`);
  }
  const config = node.subNodes('config')[0];
  return {
    name,
    binary: binaryNode === undefined ? name : required(binaryNode, 'name', '<binary name="hello"/>'),
    version: node.stringAttribute('version', ''),
    ram,
    caps,
    provides: services.map((service) => required(service, 'name', '<service name="Timer"/>')),
    routes: route === undefined ? null : routeRules(route),
    config: config === undefined ? null : config.source,
    exitPropagate: exit === undefined ? false : flag(exit, 'propagate', false),
    heartbeat: heartbeat === undefined ? null : { restartAfterSkipped: number(heartbeat, 'restart_after_skipped', 0) },
    line: node.line,
  };
}

function exportedService(node: XmlNode): ExportedService {
  checkAttributes(node, ['name']);
  const policies = node.subNodes().map((policy): ServicePolicy => {
    if (policy.type !== 'policy' && policy.type !== 'default-policy')
      fail(policy, 'unknown element inside <service> (known: <policy>, <default-policy>)');
    checkAttributes(policy, policy.type === 'policy' ? [...LABEL_ATTRIBUTES] : []);
    const targets = policy.subNodes();
    const child = targets[0];
    if (targets.length !== 1 || child === undefined || child.type !== 'child')
      fail(policy, `<${policy.type}> needs exactly one <child name="..."/> inside`);
    checkAttributes(child, ['name']);
    const match = policy.type === 'policy' ? labelMatch(policy) : undefined;
    if (policy.type === 'policy' && match === undefined)
      fail(policy, 'a <policy> needs a label, label_prefix, label_suffix or label_last (or use <default-policy>)');
    return {
      ...(match === undefined ? {} : { match }),
      child: required(child, 'name', '<child name="server"/>'),
      line: policy.line,
    };
  });
  return { name: required(node, 'name', '<service name="LOG">'), policies, line: node.line };
}

function report(node: XmlNode): ReportOptions {
  checkAttributes(node, [
    'ids',
    'requested',
    'provided',
    'session_args',
    'child_ram',
    'child_caps',
    'init_ram',
    'init_caps',
    'delay_ms',
    'buffer',
  ]);
  return {
    ids: flag(node, 'ids', false),
    requested: flag(node, 'requested', false),
    provided: flag(node, 'provided', false),
    sessionArgs: flag(node, 'session_args', false),
    childRam: flag(node, 'child_ram', false),
    childCaps: flag(node, 'child_caps', false),
    initRam: flag(node, 'init_ram', false),
    initCaps: flag(node, 'init_caps', false),
    delayMs: number(node, 'delay_ms', 0),
  };
}

/**
 * Reads Genode's init configuration language. Errors name the origin, the line, the element and
 * the fix: unknown elements and attributes, bad values, routes to children that do not exist.
 */
export function readInitConfig(text: string, origin = 'init config'): InitConfig {
  let root: XmlNode;
  try {
    root = XmlNode.parse(text, origin);
  } catch (error) {
    if (hasErrorCode<XmlError>(error, XmlError.code)) throw new InitConfigError(error.message);
    throw error;
  }
  return initConfigFromNode(root);
}

/** {@link readInitConfig} for a config already parsed (a tool that reads the text once for several purposes). */
export function initConfigFromNode(root: XmlNode): InitConfig {
  if (root.type !== 'config') fail(root, "init's configuration must be a <config> element");
  checkAttributes(root, CONFIG_ATTRIBUTES);
  checkChildren(root, CONFIG_CHILDREN);
  const defaultNode = root.subNodes('default')[0];
  if (defaultNode !== undefined) checkAttributes(defaultNode, ['caps', 'ram']);
  const defaults = {
    caps: defaultNode === undefined ? 0 : number(defaultNode, 'caps', 0),
    ram: defaultNode === undefined ? 0 : number(defaultNode, 'ram', 0),
  };
  const parentProvides = root.subNodes('parent-provides').flatMap((node) =>
    node.subNodes().map((service) => {
      if (service.type !== 'service')
        fail(service, 'unknown element inside <parent-provides> (known: <service name="..."/>)');
      checkAttributes(service, ['name']);
      return required(service, 'name', '<service name="LOG"/>');
    }),
  );
  const defaultRoute = root.subNodes('default-route').flatMap(routeRules);
  const heartbeat = root.subNodes('heartbeat')[0];
  if (heartbeat !== undefined) checkAttributes(heartbeat, ['rate_ms']);
  const preserve = { ram: 0, caps: 0 };
  for (const resource of root.subNodes('resource')) {
    checkAttributes(resource, ['name', 'preserve']);
    const kind = required(resource, 'name', '<resource name="RAM" preserve="1M"/>');
    if (kind === 'RAM') preserve.ram = number(resource, 'preserve', 0);
    else if (kind === 'CAP') preserve.caps = number(resource, 'preserve', 0);
    else fail(resource, `resource name="${kind}" is neither "RAM" nor "CAP"`);
  }
  const reportNode = root.subNodes('report')[0];
  const config: InitConfig = {
    version: root.stringAttribute('version', ''),
    parentProvides,
    defaultRoute,
    defaultCaps: defaults.caps,
    defaultRam: defaults.ram,
    children: root.subNodes('start').map((node) => startEntry(node, defaults)),
    services: root.subNodes('service').map(exportedService),
    report: reportNode === undefined ? null : report(reportNode),
    heartbeatRateMs: heartbeat === undefined ? 0 : number(heartbeat, 'rate_ms', 1000),
    preserve,
  };
  checkInitConfig(config, root.origin);
  return config;
}
