import { type ComponentModule, XmlNode } from '@os/runtime';
import { type RunSystemOptions, type SystemRun, runSystem } from './run-system.js';
import { TestSystemError } from './test-system-error.js';

/** One component to boot for a test, and the small system around it. */
export interface RunComponentOptions extends Omit<RunSystemOptions, 'config'> {
  /**
   * The component: a package name (`@acme/blinker`), a module file relative to `directory` (`./blinker.mjs`), a
   * built-in's name, or its module object.
   */
  readonly binary: string | ComponentModule;
  /**
   * Its start entry's name and LOG label (default: the binary's file or package name without scope and extension;
   * `component` for a module object).
   */
  readonly name?: string;
  /**
   * Its `<config>` node, as XML text (`<config led="led1"/>`); a `<libc>` node in it runs a plain Node program under
   * the libc shim.
   */
  readonly config?: string;
  /** Its RAM quota in bytes, or as Genode writes it (`"2M"`). Default: its package's declared `ram`, else 1M. */
  readonly ram?: number | string;
  /** Its capability quota. Default: its package's declared `caps`, else 100. */
  readonly caps?: number;
  /**
   * Run it outside a compartment (`<binary confined="no"/>`): for a trusted component that needs what confinement
   * withholds. Default: confined.
   */
  readonly unconfined?: boolean;
  /**
   * More start entries, as XML (`<start name="report_rom">...</start>`): servers the component needs. The default route
   * tries core first, then them.
   */
  readonly servers?: string;
}

/** A test run of one component: the system's run, and the component's own lines. */
export interface ComponentRun extends SystemRun {
  /** The component's LOG lines without their `[init -> name] ` label, in order. */
  readonly output: readonly string[];
}

const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '"': '&quot;' };
const attribute = (value: string): string =>
  value.replace(/[&<"]/g, (character) => ATTRIBUTE_ESCAPES[character] as string);

/** The start entry name for a binary: `@acme/blinker` → `blinker`, `./lib/app.mjs` → `app`. */
function nameOf(binary: string | ComponentModule): string {
  if (typeof binary !== 'string') return 'component';
  const last =
    binary
      .split('/')
      .filter((part) => part !== '' && part !== '.' && part !== '..')
      .pop() ?? 'component';
  return last.replace(/\.(m?js|cjs)$/, '') || 'component';
}

/** Checks an XML option on its own, so an error names the option and its own line, not the generated config's. */
function checkXmlOption(option: 'config' | 'servers', text: string): void {
  try {
    const node = XmlNode.parse(option === 'config' ? text : `<servers>${text}</servers>`, `option ${option}`);
    if (option === 'config' && node.type !== 'config')
      throw new TestSystemError(`option config must be a <config> element, got <${node.type}>`);
    const other = node.subNodes().find((sub) => sub.type !== 'start');
    if (option === 'servers' && other !== undefined)
      throw new TestSystemError(`option servers must hold <start> elements only, got <${other.type}>`);
  } catch (error) {
    if (error instanceof TestSystemError) throw error;
    throw new TestSystemError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The init config {@link runComponent} boots: core's services (LOG, ROM, PD, Rtc, Report), a
 * `timer` serving Timer, the `servers`, and the component, whose exit ends the run.
 */
export function componentSystemConfig(options: RunComponentOptions): string {
  const name = options.name ?? nameOf(options.binary);
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new TestSystemError(
      `name "${name}" is not a start entry name (letters, digits, "_", "." and "-"): pass name`,
    );
  if (options.config !== undefined) checkXmlOption('config', options.config);
  if (options.servers !== undefined) checkXmlOption('servers', options.servers);
  if (options.caps !== undefined && !(Number.isSafeInteger(options.caps) && options.caps >= 0))
    throw new TestSystemError(`option caps must be a non-negative integer, got ${String(options.caps)}`);
  const binary = typeof options.binary === 'string' ? options.binary : name;
  const quota =
    `${options.ram === undefined ? '' : ` ram="${attribute(String(options.ram))}"`}` +
    `${options.caps === undefined ? '' : ` caps="${options.caps}"`}`;
  return [
    '<config>',
    '  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="Rtc"/> ' +
      '<service name="Report"/> </parent-provides>',
    '  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>',
    '  <default caps="100" ram="1M"/>',
    '  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>',
    ...(options.servers === undefined ? [] : [options.servers]),
    `  <start name="${name}"${quota}>`,
    `    <binary name="${attribute(binary)}"${options.unconfined === true ? ' confined="no"' : ''}/>`,
    '    <exit propagate="yes"/>',
    ...(options.config === undefined ? [] : [`    ${options.config}`]),
    '  </start>',
    '</config>',
  ].join('\n');
}

/**
 * Boots one component in a small system on virtual time (see {@link componentSystemConfig}) and
 * collects its LOG lines: the test helper for component packages. Like `os run`, it checks the
 * component against its package manifest before boot, and hardens the realm (SES `lockdown`).
 */
export async function runComponent(options: RunComponentOptions): Promise<ComponentRun> {
  const name = options.name ?? nameOf(options.binary);
  const binaries =
    typeof options.binary === 'string' ? options.binaries : { ...options.binaries, [name]: options.binary };
  const {
    binary: _binary,
    name: _name,
    config: _config,
    ram: _ram,
    caps: _caps,
    unconfined: _unconfined,
    servers: _servers,
    ...system
  } = options;
  const run = await runSystem({
    ...system,
    config: componentSystemConfig(options),
    ...(binaries === undefined ? {} : { binaries }),
  });
  const label = `[init -> ${name}] `;
  return { ...run, output: run.lines.filter((line) => line.startsWith(label)).map((line) => line.slice(label.length)) };
}
