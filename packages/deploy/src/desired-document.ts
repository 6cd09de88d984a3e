import { ArchivePathError, type ArchivePath, parseArchivePath } from '@os/depot';
import { XmlError, XmlNode } from '@os/runtime';
import { COMPONENT_NAME_RULE, isComponentName } from './component-name.js';
import { bounded, romText } from './xml-text.js';

/** One valid entry of the desired deploy list: a component to run under `name` from `pkg`. */
export interface DeployEntry {
  /** The component's name: its start node's, its LOG label's, its key in the reported state. */
  readonly name: string;
  /** The pkg it runs, of a trusted user. */
  readonly pkg: ArchivePath;
  /** The entry's own `<config>` (checked, as written), which replaces the pkg's. */
  readonly config?: string;
}

/** An entry of the desired deploy list that deploy refused, and why. */
export interface EntryFailure {
  /** Its key in the reported state: the entry's name, or `deploy[i]` (its place in the list) when it has none. */
  readonly key: string;
  /** Whether `key` is a component name (a running component of that name then keeps running). */
  readonly named: boolean;
  /** The pkg it names, as written (cut to 200 characters), when it names one. */
  readonly pkg?: string;
  /** Why it was refused, and what to do. */
  readonly reason: string;
}

/** The desired ROM, read: the deploy list with its valid entries and refusals, or why nothing of it applies. */
export type DesiredDocument =
  | {
      readonly kind: 'deploy';
      /** The twin's desired `$version` it came from. */
      readonly version: number;
      /** The valid entries, in the list's order. */
      readonly entries: readonly DeployEntry[];
      /** The refused entries. */
      readonly failures: readonly EntryFailure[];
    }
  | {
      readonly kind: 'invalid';
      /** The `$version` of the document, when it has a readable one. */
      readonly version: number | null;
      /** Why nothing of it applies. */
      readonly reason: string;
    };

/** The most entries a deploy list may have: a bound on what one document makes deploy hold and read. */
export const MAX_DEPLOY_ENTRIES = 256;

/** The longest entry `config` string: IoT Hub's limit for a string value (4 KB). */
export const MAX_ENTRY_CONFIG = 4096;

const START_KEYS = ['name', 'pkg', 'config'];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${bounded(JSON.stringify(value), 40)}`;
}

/** The entry's `config`, checked to be one `<config>` element: it goes into the runtime init's config as written. */
function entryConfig(text: unknown): string {
  if (typeof text !== 'string') throw new Error(`"config" is ${describe(text)}; write the XML text of a <config> node`);
  if (text.length > MAX_ENTRY_CONFIG)
    throw new Error(`"config" has ${text.length} characters, more than ${MAX_ENTRY_CONFIG}; shorten it`);
  let node: XmlNode;
  try {
    node = XmlNode.parse(text, '"config"');
  } catch (error) {
    if (error instanceof XmlError) throw new Error(`${error.message}; write one well-formed <config .../> node`);
    throw error;
  }
  if (node.type !== 'config') throw new Error(`"config" holds <${node.type}>; write a <config .../> node`);
  return node.source;
}

interface Candidate {
  readonly index: number;
  readonly name: string;
  readonly entry?: DeployEntry;
  readonly failure?: EntryFailure;
}

function readEntry(value: unknown, index: number, trusted: ReadonlySet<string>): Candidate | EntryFailure {
  const key = `deploy[${index}]`;
  const refuse = (reason: string, name?: string, pkg?: unknown): EntryFailure => ({
    key: name ?? key,
    named: name !== undefined,
    ...(typeof pkg === 'string' ? { pkg: bounded(pkg, 200) } : {}),
    reason: bounded(reason, 512),
  });
  if (!isObject(value) || !isObject(value.start))
    return refuse(`${key} is ${describe(value)}, not {"start": {"name": ..., "pkg": ...}}`);
  const extra = Object.keys(value).filter((k) => k !== 'start');
  const start = value.start;
  const name = start.name;
  if (typeof name !== 'string' || !isComponentName(name))
    return refuse(
      typeof name === 'string'
        ? `${key}: name "${bounded(name, 80)}" is not a component name (${COMPONENT_NAME_RULE})`
        : `${key}: "start" has no "name" (${COMPONENT_NAME_RULE})`,
      undefined,
      start.pkg,
    );
  const fail = (reason: string): Candidate => ({ index, name, failure: refuse(reason, name, start.pkg) });
  const unknown = [...extra.map((k) => `"${k}"`), ...Object.keys(start).filter((k) => !START_KEYS.includes(k))];
  if (unknown.length > 0)
    return fail(`unknown key ${bounded(unknown.join(', '), 120)}; an entry is {"start": {"name", "pkg", "config"?}}`);
  if (start.pkg === undefined || start.pkg === null)
    return fail('no "pkg": name the pkg to run, e.g. "gapstage/pkg/http_server/2023-01-01"');
  if (typeof start.pkg !== 'string') return fail(`"pkg" is ${describe(start.pkg)}; write a pkg path`);
  let pkg: ArchivePath;
  try {
    pkg = parseArchivePath(start.pkg, { kinds: ['pkg'] });
  } catch (error) {
    if (error instanceof ArchivePathError) return fail(error.message);
    throw error;
  }
  if (!trusted.has(pkg.user))
    return fail(
      `user "${pkg.user}" is not trusted (trusted: ${[...trusted].join(', ') || 'none'}); ` +
        `deploy pkgs of a trusted user, or add ${pkg.user} to the gateway's trusted users`,
    );
  let config: string | undefined;
  if (start.config !== undefined) {
    try {
      config = entryConfig(start.config);
    } catch (error) {
      return fail((error as Error).message);
    }
  }
  return { index, name, entry: { name, pkg, ...(config === undefined ? {} : { config }) } };
}

/**
 * Reads the desired ROM: `{"$version": N, "deploy": [{"start": {"name", "pkg", "config"?}}, ...]}` or
 * `{"$version": N, "invalid": "reason"}`. Each entry is checked on its own (a name once, a component name, a
 * well-formed pkg path of a trusted user, a `<config>` node); a document that cannot be read as a whole is `invalid`.
 */
export function readDesiredDocument(text: string, trusted: ReadonlySet<string>): DesiredDocument {
  let value: unknown;
  try {
    value = JSON.parse(romText(text));
  } catch (error) {
    return { kind: 'invalid', version: null, reason: `the desired document is no JSON: ${(error as Error).message}` };
  }
  if (!isObject(value)) return { kind: 'invalid', version: null, reason: 'the desired document is no JSON object' };
  const version = value.$version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0)
    return { kind: 'invalid', version: null, reason: 'the desired document has no "$version" (a whole number)' };
  if (value.invalid !== undefined)
    return {
      kind: 'invalid',
      version,
      reason: `the desired document is invalid: ${bounded(String(value.invalid), 512)}; nothing of it was applied`,
    };
  const list = value.deploy ?? [];
  if (!Array.isArray(list))
    return { kind: 'invalid', version, reason: `"deploy" is ${describe(list)}; write a list of {"start": ...}` };
  if (list.length > MAX_DEPLOY_ENTRIES)
    return {
      kind: 'invalid',
      version,
      reason: `"deploy" lists ${list.length} entries, more than ${MAX_DEPLOY_ENTRIES}; nothing of it was applied`,
    };
  const failures: EntryFailure[] = [];
  const candidates: Candidate[] = [];
  for (const [index, item] of list.entries()) {
    const read = readEntry(item, index, trusted);
    if ('reason' in read) failures.push(read);
    else candidates.push(read);
  }
  const byName = new Map<string, Candidate[]>();
  for (const candidate of candidates) byName.set(candidate.name, [...(byName.get(candidate.name) ?? []), candidate]);
  const entries: DeployEntry[] = [];
  for (const [name, named] of byName) {
    if (named.length > 1) {
      const places = named.map((candidate) => `deploy[${candidate.index}]`).join(', ');
      failures.push({
        key: name,
        named: true,
        reason: `the name "${name}" is given ${named.length} times (${places}); give each entry a name of its own`,
      });
    } else if ((named[0] as Candidate).failure !== undefined)
      failures.push((named[0] as Candidate).failure as EntryFailure);
    else entries.push((named[0] as Candidate).entry as DeployEntry);
  }
  return { kind: 'deploy', version, entries, failures };
}
