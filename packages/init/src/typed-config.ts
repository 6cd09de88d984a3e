import { XmlError, XmlNode, parseGenodeNumber } from '@os/runtime';
import { checkInitConfig } from './check.js';
import { hasErrorCode } from '@os/kernel';
import { InitConfigError } from './config-error.js';
import type {
  ExportedService,
  InitConfig,
  LabelMatch,
  ReportOptions,
  RouteRule,
  RouteTarget,
  StartEntry,
} from './model.js';

/** A route target written as a value: `'parent'`, `'any-child'`, `{ child }`, or those with a label rewrite. */
export type RouteTargetValue =
  | 'parent'
  | 'any-child'
  | { readonly child: string; readonly label?: string }
  | { readonly parent: true; readonly label?: string }
  | { readonly anyChild: true; readonly label?: string };

/** A route rule written as a value; `service: '*'` is `<any-service>`. */
export interface RouteRuleValue {
  /** The service's name, or `'*'` for any service. */
  readonly service: string;
  /** Match the label exactly (without the child's name). */
  readonly label?: string;
  /** Match labels starting with this. */
  readonly labelPrefix?: string;
  /** Match labels ending with this. */
  readonly labelSuffix?: string;
  /** Match the label's last element. */
  readonly labelLast?: string;
  /** Match the full label, the child's name included. */
  readonly unscopedLabel?: string;
  /** The targets, tried in order. */
  readonly to: RouteTargetValue | readonly RouteTargetValue[];
}

/** A start entry written as a value; sizes may be numbers or Genode's strings (`"1M"`). */
export interface StartEntryValue {
  /** The child's name. */
  readonly name: string;
  /** The binary; default: the name. */
  readonly binary?: string;
  /** Version: changing it restarts the child. */
  readonly version?: string;
  /** RAM in bytes or as `"16M"`; default: the config's default. */
  readonly ram?: number | string;
  /** Capabilities; default: the config's default. */
  readonly caps?: number;
  /** Services the child announces. */
  readonly provides?: readonly string[];
  /** The child's own routes. */
  readonly routes?: readonly RouteRuleValue[];
  /** The child's `<config>` element as XML text. */
  readonly config?: string;
  /** `{ propagate: true }`: the child's exit value becomes init's. */
  readonly exit?: { readonly propagate: boolean };
  /** Restart after this many unanswered heartbeats. */
  readonly heartbeat?: { readonly restartAfterSkipped: number };
}

/** init's configuration written as a TypeScript value: the same model as the XML. */
export interface InitConfigValue {
  /** `<config version>`. */
  readonly version?: string;
  /** `<parent-provides>`. */
  readonly parentProvides?: readonly string[];
  /** `<default-route>`. */
  readonly defaultRoute?: readonly RouteRuleValue[];
  /** `<default caps ram>`. */
  readonly default?: { readonly caps?: number; readonly ram?: number | string };
  /** The children. */
  readonly children: readonly StartEntryValue[];
  /** Services exported to init's parent: `policies` in order, a policy without label condition being the default. */
  readonly services?: readonly {
    readonly name: string;
    readonly policies: readonly {
      readonly label?: string;
      readonly labelPrefix?: string;
      readonly labelSuffix?: string;
      readonly labelLast?: string;
      readonly child: string;
    }[];
  }[];
  /** The state report's options. */
  readonly report?: Partial<ReportOptions>;
  /** `<heartbeat rate_ms>`. */
  readonly heartbeat?: { readonly rateMs: number };
  /** `<resource name="RAM|CAP" preserve>`. */
  readonly preserve?: { readonly ram?: number | string; readonly caps?: number };
}

type Loose = Record<string, unknown>;

function isRecord(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, message: string): never {
  throw new InitConfigError(`init config: ${path}: ${message}`);
}

function known(value: Loose, path: string, keys: readonly string[]): void {
  for (const key of Object.keys(value))
    if (!keys.includes(key)) fail(path, `unknown field "${key}" (known: ${keys.join(', ')})`);
}

function text(value: unknown, path: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) fail(path, 'must be a non-empty string');
  return value;
}

function size(value: unknown, path: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  const parsed = typeof value === 'string' ? parseGenodeNumber(value) : undefined;
  if (parsed !== undefined) return parsed;
  return fail(path, `must be a non-negative integer or a size such as "16M", got ${describe(value)}`);
}

/**
 * `value` for an error message, in a bounded number of characters: a string quoted (cut after 40
 * characters), a number or boolean as written, anything else by its kind. Not
 * `JSON.stringify`, which overflows the stack on a deeply nested value (an untyped RangeError instead
 * of the InitConfigError), throws on a bigint, and copies a huge value whole into the message.
 */
function describe(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') return `a ${typeof value}`;
  return String(value);
}

function strings(value: unknown, path: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    fail(path, 'must be a list of service names');
  return value as string[];
}

function labelMatch(value: Loose, path: string): LabelMatch | undefined {
  const keys = (['label', 'labelPrefix', 'labelSuffix', 'labelLast'] as const).filter(
    (key) => value[key] !== undefined,
  );
  if (keys.length > 1)
    fail(path, `at most one of label, labelPrefix, labelSuffix, labelLast, found ${keys.join(' and ')}`);
  const key = keys[0];
  if (key === undefined) return undefined;
  const label = value[key];
  if (typeof label !== 'string') fail(`${path}.${key}`, 'must be a string');
  return { [key]: label } as LabelMatch;
}

function target(value: unknown, path: string): RouteTarget {
  if (value === 'parent') return { kind: 'parent' };
  if (value === 'any-child') return { kind: 'any-child' };
  if (!isRecord(value))
    return fail(path, `must be "parent", "any-child", { child: name } (each optionally with label)`);
  const label = value['label'];
  if (label !== undefined && typeof label !== 'string') fail(`${path}.label`, 'must be a string');
  const withLabel = label === undefined ? {} : { label: label as string };
  if (typeof value['child'] === 'string') {
    known(value, path, ['child', 'label']);
    return { kind: 'child', name: value['child'], ...withLabel };
  }
  if (value['parent'] === true) {
    known(value, path, ['parent', 'label']);
    return { kind: 'parent', ...withLabel };
  }
  if (value['anyChild'] === true) {
    known(value, path, ['anyChild', 'label']);
    return { kind: 'any-child', ...withLabel };
  }
  return fail(path, `must be "parent", "any-child", { child: name } (each optionally with label)`);
}

function rules(value: unknown, path: string): RouteRule[] {
  if (!Array.isArray(value)) fail(path, 'must be a list of route rules { service, to }');
  return value.map((rule: unknown, index): RouteRule => {
    const at = `${path}[${index}]`;
    if (!isRecord(rule)) fail(at, 'must be a route rule { service, to }');
    known(rule, at, ['service', 'label', 'labelPrefix', 'labelSuffix', 'labelLast', 'unscopedLabel', 'to']);
    const service = text(rule['service'], `${at}.service`);
    const targets = Array.isArray(rule['to']) ? rule['to'] : [rule['to']];
    if (targets.length === 0 || rule['to'] === undefined) fail(`${at}.to`, 'needs at least one target');
    const match = labelMatch(rule, at);
    const unscoped = rule['unscopedLabel'];
    if (unscoped !== undefined && (typeof unscoped !== 'string' || match !== undefined))
      fail(`${at}.unscopedLabel`, 'must be a string, and not combined with another label condition');
    return {
      service: service === '*' ? null : service,
      ...(typeof unscoped === 'string' ? { match: { label: unscoped } } : match === undefined ? {} : { match }),
      unscoped: unscoped !== undefined,
      targets: targets.map((item: unknown, t) => target(item, `${at}.to[${t}]`)),
      line: 0,
    };
  });
}

function startEntry(value: unknown, index: number, defaults: { caps: number; ram: number }): StartEntry {
  let at = `children[${index}]`;
  if (!isRecord(value)) fail(at, 'must be a start entry { name, ram, caps, ... }');
  const name = text(value['name'], `${at}.name`);
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    fail(`${at}.name`, `"${name}" must be a word of letters, digits, "_", "." and "-"`);
  at = `${at} ("${name}")`;
  known(value, at, ['name', 'binary', 'version', 'ram', 'caps', 'provides', 'routes', 'config', 'exit', 'heartbeat']);
  const config = value['config'];
  if (config !== undefined) {
    if (typeof config !== 'string') fail(`${at}.config`, `must be XML text such as '<config ticks="5"/>'`);
    let node: XmlNode;
    try {
      node = XmlNode.parse(config, `init config: ${at}.config`);
    } catch (error) {
      if (hasErrorCode<XmlError>(error, XmlError.code)) throw new InitConfigError(error.message);
      throw error;
    }
    if (node.type !== 'config') fail(`${at}.config`, `must be a <config> element, not <${node.type}>`);
  }
  const exit = value['exit'];
  if (exit !== undefined && (!isRecord(exit) || typeof exit['propagate'] !== 'boolean'))
    fail(`${at}.exit`, 'must be { propagate: true } or { propagate: false }');
  const heartbeat = value['heartbeat'];
  if (heartbeat !== undefined && (!isRecord(heartbeat) || !Number.isSafeInteger(heartbeat['restartAfterSkipped'])))
    fail(`${at}.heartbeat`, 'must be { restartAfterSkipped: N }');
  return {
    name,
    binary: text(value['binary'], `${at}.binary`, name),
    version: value['version'] === undefined ? '' : text(value['version'], `${at}.version`),
    ram: size(value['ram'], `${at}.ram`, defaults.ram),
    caps: size(value['caps'], `${at}.caps`, defaults.caps),
    provides: strings(value['provides'], `${at}.provides`),
    routes: value['routes'] === undefined ? null : rules(value['routes'], `${at}.routes`),
    config: typeof config === 'string' ? config : null,
    exitPropagate: isRecord(exit) && exit['propagate'] === true,
    heartbeat: isRecord(heartbeat) ? { restartAfterSkipped: heartbeat['restartAfterSkipped'] as number } : null,
    line: 0,
  };
}

function services(value: unknown): ExportedService[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail('services', 'must be a list of { name, policies }');
  return value.map((service: unknown, index): ExportedService => {
    const at = `services[${index}]`;
    if (!isRecord(service) || !Array.isArray(service['policies']))
      fail(at, 'must be { name, policies: [{ label?, child }] }');
    return {
      name: text(service['name'], `${at}.name`),
      policies: service['policies'].map((policy: unknown, p: number) => {
        if (!isRecord(policy)) fail(`${at}.policies[${p}]`, 'must be { label?, child }');
        const match = labelMatch(policy, `${at}.policies[${p}]`);
        return {
          ...(match === undefined ? {} : { match }),
          child: text(policy['child'], `${at}.policies[${p}].child`),
          line: 0,
        };
      }),
      line: 0,
    };
  });
}

/** Reads init's configuration from a typed value (or parsed JSON), into the same model as the XML. */
export function initConfig(value: InitConfigValue | unknown): InitConfig {
  if (!isRecord(value) || !Array.isArray(value['children'])) fail('(top)', 'expected { children: [...] }');
  known(value, '(top)', [
    'version',
    'parentProvides',
    'defaultRoute',
    'default',
    'children',
    'services',
    'report',
    'heartbeat',
    'preserve',
  ]);
  const defaults = isRecord(value['default']) ? value['default'] : {};
  const defaultCaps = size(defaults['caps'], 'default.caps', 0);
  const defaultRam = size(defaults['ram'], 'default.ram', 0);
  const report = value['report'];
  if (report !== undefined && !isRecord(report)) fail('report', 'must be an object of report options');
  const flag = (key: keyof ReportOptions): boolean => isRecord(report) && report[key] === true;
  const heartbeat = value['heartbeat'];
  const preserve = isRecord(value['preserve']) ? value['preserve'] : {};
  const config: InitConfig = {
    version: value['version'] === undefined ? '' : text(value['version'], 'version'),
    parentProvides: strings(value['parentProvides'], 'parentProvides'),
    defaultRoute: value['defaultRoute'] === undefined ? [] : rules(value['defaultRoute'], 'defaultRoute'),
    defaultCaps,
    defaultRam,
    children: value['children'].map((entry: unknown, index: number) =>
      startEntry(entry, index, { caps: defaultCaps, ram: defaultRam }),
    ),
    services: services(value['services']),
    report:
      report === undefined
        ? null
        : {
            ids: flag('ids'),
            requested: flag('requested'),
            provided: flag('provided'),
            sessionArgs: flag('sessionArgs'),
            childRam: flag('childRam'),
            childCaps: flag('childCaps'),
            initRam: flag('initRam'),
            initCaps: flag('initCaps'),
            delayMs: isRecord(report) ? size(report['delayMs'], 'report.delayMs', 0) : 0,
          },
    heartbeatRateMs: isRecord(heartbeat) ? size(heartbeat['rateMs'], 'heartbeat.rateMs', 0) : 0,
    preserve: { ram: size(preserve['ram'], 'preserve.ram', 0), caps: size(preserve['caps'], 'preserve.caps', 0) },
  };
  checkInitConfig(config, 'init config');
  return config;
}
