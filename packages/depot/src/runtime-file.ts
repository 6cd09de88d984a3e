import { XmlError, XmlNode, numberOfBytes, suggest } from '@os/runtime';
import { DEPOT_NAME_RULE, isDepotName } from './archive-path.js';
import { RuntimeFileError } from './errors.js';
import { RUNTIME_SERVICES, runtimeNodeOf } from './runtime-services.js';

/** A session a pkg's component asks for (`<requires>`) or a service it announces (`<provides>`). */
export interface RuntimeService {
  /** This framework's service name (`Timer`), after {@link RUNTIME_SERVICES}. */
  readonly service: string;
  /** The node as written in the file (`timer`, or `service` for the generic form). */
  readonly node: string;
  /** The session label it asks under, when given (`<rom label="config"/>`). */
  readonly label?: string;
  /** The line of the node in the file. */
  readonly line: number;
}

/** A ROM the pkg's archives provide (`<content><rom label="..."/></content>`). */
export interface RuntimeRom {
  /** The ROM's name. */
  readonly label: string;
  /** The line of the node in the file. */
  readonly line: number;
}

/**
 * A pkg's `runtime` file, read: what a deploy needs to write an init `<start>` for the pkg. Quota (`ram`, `caps`), the
 * binary, the sessions to route (`requires`), the services it announces (`provides`), its default `<config>` and the
 * ROMs its archives hold.
 */
export interface PkgRuntime {
  /** The file's name, as errors name it. */
  readonly origin: string;
  /** RAM quota in bytes (`ram="32M"`). */
  readonly ram: number;
  /** Capability quota (`caps="100"`). */
  readonly caps: number;
  /** The binary to start: the name of one of the pkg's `bin` archives; absent: the start's name (init's default). */
  readonly binary?: string;
  /** The ROM (in `content`) that a deploy hands the component as its config, when the file names one (`config=`). */
  readonly configRom?: string;
  /** Sessions the component asks for: each needs a route. */
  readonly requires: readonly RuntimeService[];
  /** Services the component announces. */
  readonly provides: readonly RuntimeService[];
  /** The `<config>` node as written, when present: the start's config unless the deploy gives one. */
  readonly config?: string;
  /** ROMs the pkg's archives provide. */
  readonly content: readonly RuntimeRom[];
}

/** The largest `runtime` file read: a bound on what a hostile pkg makes a deploy parse. */
export const MAX_RUNTIME_FILE = 64 * 1024;

const ATTRIBUTES = ['ram', 'caps', 'binary', 'config'];
const SECTIONS = ['requires', 'provides', 'config', 'content'];

function unknown(node: XmlNode, kind: string, name: string, known: readonly string[]): RuntimeFileError {
  const meant = suggest(name, known);
  return new RuntimeFileError(
    node.error(
      `<${node.type}> has unknown ${kind} "${name}"${meant === undefined ? '' : ` (did you mean "${meant}"?)`}; ` +
        `known: ${known.join(', ')}`,
    ).message,
    node.origin,
  );
}

function fail(node: XmlNode, message: string): never {
  throw new RuntimeFileError(node.error(message).message, node.origin);
}

function checkAttributes(node: XmlNode, known: readonly string[]): void {
  for (const name of node.attributeNames()) if (!known.includes(name)) throw unknown(node, 'attribute', name, known);
}

function service(node: XmlNode, withLabel: boolean): RuntimeService {
  let name: string | undefined;
  if (node.type === 'service') {
    checkAttributes(node, withLabel ? ['name', 'label'] : ['name']);
    name = node.attribute('name');
    if (name === undefined || !/^[A-Za-z][\w-]*$/.test(name))
      fail(node, '<service> needs name="..." with a service name such as "Timer"');
  } else {
    name = RUNTIME_SERVICES.get(node.type);
    checkAttributes(node, withLabel ? ['label'] : []);
  }
  const label = node.attribute('label');
  return { service: name as string, node: node.type, line: node.line, ...(label === undefined ? {} : { label }) };
}

function services(section: XmlNode | undefined, withLabel: boolean): RuntimeService[] {
  if (section === undefined) return [];
  checkAttributes(section, []);
  return section.subNodes().map((node) => {
    if (node.type !== 'service' && !RUNTIME_SERVICES.has(node.type)) {
      const known = [...RUNTIME_SERVICES.keys(), 'service'];
      const meant = suggest(node.type, known);
      fail(
        node,
        `<${section.type}> has unknown service node <${node.type}>` +
          `${meant === undefined ? '' : ` (did you mean <${meant}/>?)`}; write one of ` +
          `${[...RUNTIME_SERVICES.keys()].map((type) => `<${type}/>`).join(', ')}, or <service name="..."/>`,
      );
    }
    return service(node, withLabel);
  });
}

function single(runtime: XmlNode, type: string): XmlNode | undefined {
  const nodes = runtime.subNodes(type);
  if (nodes.length > 1) fail(nodes[1] as XmlNode, `<runtime> has more than one <${type}>; merge them into one`);
  return nodes[0];
}

function quota(runtime: XmlNode, name: 'ram' | 'caps', example: string): number {
  if (!runtime.hasAttribute(name))
    fail(runtime, `<runtime> has no ${name}="..." quota; a deploy needs it (write e.g. ${name}="${example}")`);
  const value = runtime.numberAttribute(name, 0);
  if (value === 0) fail(runtime, `<runtime> has ${name}="0": a component needs some ${name} quota`);
  return value;
}

/**
 * Reads a pkg's `runtime` file (Genode's XML form: `<runtime ram="32M" caps="100" binary="...">` with `<requires>`,
 * `<provides>`, `<config>` and `<content>`). Every error is a `RuntimeFileError` whose message starts with
 * `origin:line`. Unknown attributes and nodes are errors (a typo does not pass unnoticed).
 */
export function parseRuntimeFile(text: string, origin: string): PkgRuntime {
  if (text.length > MAX_RUNTIME_FILE)
    throw new RuntimeFileError(`${origin}: ${text.length} characters, more than a runtime file may have (64K)`, origin);
  let runtime: XmlNode;
  try {
    runtime = XmlNode.parse(text, origin);
  } catch (error) {
    if (error instanceof XmlError) throw new RuntimeFileError(error.message, origin);
    throw error;
  }
  try {
    if (runtime.type !== 'runtime')
      fail(runtime, `the top-level node is <${runtime.type}>; a runtime file has <runtime>`);
    checkAttributes(runtime, ATTRIBUTES);
    for (const node of runtime.subNodes())
      if (!SECTIONS.includes(node.type)) throw unknown(runtime, 'node', node.type, SECTIONS);
    const ram = quota(runtime, 'ram', '32M');
    const caps = quota(runtime, 'caps', '100');
    const binary = runtime.attribute('binary');
    if (binary !== undefined && !isDepotName(binary))
      fail(runtime, `binary="${binary}" is not an archive name (${DEPOT_NAME_RULE})`);
    const configRom = runtime.attribute('config');
    const content = (single(runtime, 'content')?.subNodes() ?? []).map((node): RuntimeRom => {
      if (node.type !== 'rom') fail(node, `<content> holds <${node.type}>; it lists <rom label="..."/> nodes`);
      checkAttributes(node, ['label']);
      const label = node.attribute('label');
      if (label === undefined || label === '') fail(node, '<rom> in <content> needs label="..." naming the ROM');
      return { label: label as string, line: node.line };
    });
    if (configRom !== undefined && !content.some((rom) => rom.label === configRom))
      fail(runtime, `config="${configRom}" names no <rom label="${configRom}"/> in <content>`);
    const config = single(runtime, 'config');
    return {
      origin,
      ram,
      caps,
      ...(binary === undefined ? {} : { binary }),
      ...(configRom === undefined ? {} : { configRom }),
      requires: services(single(runtime, 'requires'), true),
      provides: services(single(runtime, 'provides'), false),
      ...(config === undefined ? {} : { config: config.source }),
      content,
    };
  } catch (error) {
    if (error instanceof XmlError) throw new RuntimeFileError(error.message, origin);
    throw error;
  }
}

/** What {@link formatRuntimeFile} writes: the quota, the binary, and the sessions the component needs and offers. */
export interface RuntimeFileContent {
  /** RAM quota in bytes. */
  readonly ram: number;
  /** Capability quota. */
  readonly caps: number;
  /** The binary (a `bin` archive's name). */
  readonly binary: string;
  /** Sessions the component asks for, by this framework's service names. */
  readonly requires: readonly { readonly service: string; readonly label?: string }[];
  /** Services it announces. */
  readonly provides: readonly string[];
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function serviceNode(service: string, label: string | undefined): string {
  const node = runtimeNodeOf(service);
  const labelled = label === undefined ? '' : ` label="${escapeAttribute(label)}"`;
  return node === undefined ? `<service name="${escapeAttribute(service)}"${labelled}/>` : `<${node}${labelled}/>`;
}

/** A `runtime` file in Genode's XML form for `content`, as `os depot publish` writes it from a component manifest. */
export function formatRuntimeFile(content: RuntimeFileContent): string {
  const lines = [
    `<runtime ram="${numberOfBytes(content.ram)}" caps="${content.caps}" binary="${escapeAttribute(content.binary)}">`,
  ];
  if (content.requires.length > 0) {
    lines.push('', '\t<requires>');
    for (const required of content.requires) lines.push(`\t\t${serviceNode(required.service, required.label)}`);
    lines.push('\t</requires>');
  }
  if (content.provides.length > 0) {
    lines.push('', '\t<provides>');
    for (const provided of content.provides) lines.push(`\t\t${serviceNode(provided, undefined)}`);
    lines.push('\t</provides>');
  }
  lines.push('', '</runtime>', '');
  return lines.join('\n');
}
