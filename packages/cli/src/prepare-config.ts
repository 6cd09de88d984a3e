import { type InitConfig, InitConfigError, type StartEntry, initConfigFromNode, readInitConfig } from '@os/init';
import { type BinaryLoader, type ComponentManifest, LoaderError, MODULE_START_QUOTA } from '@os/loader';
import { XmlError, XmlNode, numberOfBytes } from '@os/runtime';
import { formatBytes, hasErrorCode } from '@os/kernel';
import { DEFAULT_MACHINE_CAPS, DEFAULT_MACHINE_RAM } from '@os/runtime/host';
import { checkAgainstManifest } from './manifest-check.js';

/** The config's XML, an error in it as init reports one. */
export function parseConfig(text: string, origin: string): XmlNode {
  try {
    return XmlNode.parse(text, origin);
  } catch (error) {
    if (hasErrorCode<XmlError>(error, XmlError.code)) throw new InitConfigError(error.message);
    throw error;
  }
}

/**
 * Warns when a start entry for a module binary gives less than its component spends before `construct`
 * runs ({@link MODULE_START_QUOTA}): it would ask init for resources at once and wait there.
 */
function warnStartQuota(child: StartEntry, origin: string, warn: (message: string) => void): void {
  const at = `${origin}:${child.line}: <start name="${child.name}">`;
  const needs = MODULE_START_QUOTA;
  if (child.ram < needs.ram) {
    warn(
      `${at}: ram="${numberOfBytes(child.ram)}" is less than the ${numberOfBytes(needs.ram)} a component loaded ` +
        `from a ` +
        'file needs at start (the config ROM session the loader opens before construct): give it at least ' +
        `ram="${numberOfBytes(needs.ram)}", or it asks init for more and waits`,
    );
  }
  if (child.caps < needs.caps) {
    warn(
      `${at}: caps="${child.caps}" is less than the ${needs.caps} capabilities a component loaded from a file needs ` +
        `at ` +
        'start (its signal contexts, its LOG session and the config ROM session the loader opens): give it at least ' +
        `caps="${needs.caps}", or it asks init for more and waits`,
    );
  }
}

/** The RAM and capabilities of the machine a system boots on (`SystemDescription`'s `ram` and `caps`). */
export interface MachineQuota {
  /** Bytes of RAM. */
  readonly ram: number;
  /** Capabilities. */
  readonly caps: number;
}

/** The machine of a system that names none: `DEFAULT_MACHINE_RAM` and `DEFAULT_MACHINE_CAPS` of `boot`. */
export const DEFAULT_MACHINE: MachineQuota = { ram: DEFAULT_MACHINE_RAM, caps: DEFAULT_MACHINE_CAPS };

/**
 * Refuses a config whose start entries ask more than init can ever lend: core keeps half of the machine and init has
 * less than the other half, less what init preserves. Names the file, line and first start entry past that line, in
 * units, before anything boots.
 */
function checkInitCanLend(config: InitConfig, origin: string, machine: MachineQuota): void {
  const ceiling = { ram: Math.floor(machine.ram / 2), caps: Math.floor(machine.caps / 2) };
  let ram = config.preserve.ram;
  let caps = config.preserve.caps;
  const preserved = (kind: 'ram' | 'caps', amount: string): string =>
    config.preserve[kind] > 0 ? `, after the ${amount} init preserves` : '';
  for (const child of config.children) {
    ram += child.ram;
    caps += child.caps;
    const at = `${origin}:${child.line}: <start name="${child.name}">`;
    if (ram > ceiling.ram)
      throw new InitConfigError(
        `${at}: the start entries up to this one ask ${formatBytes(ram - config.preserve.ram)} of RAM, more than the ` +
          `${formatBytes(ceiling.ram)} init can lend at most (half of the machine's ` +
          `${formatBytes(machine.ram)}${preserved('ram', formatBytes(config.preserve.ram))}): lower its ram ` +
          `(now ${formatBytes(child.ram)})`,
      );
    if (caps > ceiling.caps)
      throw new InitConfigError(
        `${at}: the start entries up to this one ask ${caps - config.preserve.caps} capabilities, more than the ` +
          `${ceiling.caps} init can lend at most (half of the machine's ${machine.caps}` +
          `${preserved('caps', String(config.preserve.caps))}): lower its caps (now ${child.caps})`,
      );
  }
}

/** Whether a start entry states its own quota of `kind`, as an attribute or Genode's older `<resource>` node. */
function statesQuota(start: XmlNode, kind: 'ram' | 'caps'): boolean {
  if (start.hasAttribute(kind)) return true;
  const resource = kind === 'ram' ? 'RAM' : 'CAP';
  return start.subNodes('resource').some((node) => node.stringAttribute('name', '') === resource);
}

/**
 * The init config `text` as init is to read it, after the checks `os run` makes before boot: every
 * start entry's binary is found and looks like a component; a start entry that gives no quota of its
 * own gets its package's declared `ram`/`caps` (as Genode's depot tools write a package's runtime
 * quota into the start node); then each entry is checked against its package's manifest. Throws
 * `InitConfigError` naming the file, line and entry. `origin` names the text in errors; `parsed` is
 * the text's XML when the caller has it already; `machine` the machine it boots on (default {@link DEFAULT_MACHINE}).
 */
export function prepareInitConfig(
  text: string,
  origin: string,
  loader: BinaryLoader,
  parsed?: XmlNode,
  warn?: (message: string) => void,
  machine: MachineQuota = DEFAULT_MACHINE,
): string {
  const node = parsed ?? parseConfig(text, origin);
  const config = initConfigFromNode(node);
  const starts = new Map(node.subNodes('start').map((start) => [start.stringAttribute('name', ''), start]));
  const manifests = new Map<string, ComponentManifest>();
  const insertions: { readonly at: number; readonly attributes: string }[] = [];
  for (const child of config.children) {
    const start = starts.get(child.name) as XmlNode;
    try {
      const located = loader.check(child.binary, start.subNodes('config')[0]);
      if (located.kind !== 'module' || located.manifest === undefined) continue;
      const manifest = located.manifest;
      manifests.set(child.name, manifest);
      let attributes = '';
      if (manifest.ram !== undefined && !statesQuota(start, 'ram')) attributes += ` ram="${manifest.ram}"`;
      if (manifest.caps !== undefined && !statesQuota(start, 'caps')) attributes += ` caps="${manifest.caps}"`;
      if (attributes !== '') insertions.push({ at: start.offset + '<start'.length, attributes });
    } catch (error) {
      if (error instanceof LoaderError)
        throw new InitConfigError(`${origin}:${child.line}: <start name="${child.name}">: ${error.message}`);
      throw error;
    }
  }
  let prepared = text;
  for (const { at, attributes } of insertions.sort((a, b) => b.at - a.at))
    prepared = prepared.slice(0, at) + attributes + prepared.slice(at);
  const preparedConfig = insertions.length === 0 ? config : readInitConfig(prepared, origin);
  checkInitCanLend(preparedConfig, origin, machine);
  for (const child of preparedConfig.children) {
    const manifest = manifests.get(child.name);
    if (manifest !== undefined) checkAgainstManifest(preparedConfig, child, manifest, origin);
    if (warn !== undefined && loader.locate(child.binary).kind === 'module') warnStartQuota(child, origin, warn);
  }
  return prepared;
}
