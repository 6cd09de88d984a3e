import { pathToFileURL } from 'node:url';
import { type ComponentModule, type Env, AttachedRomDataspace, XmlNode } from '@os/runtime';
import { LIBC_BUILTINS_HINT, OrderedLog, componentConsole, runLibcProgram } from '@os/libc-shim';
import type { BinaryLocation } from './binary-location.js';
import type { ComponentManifest } from './component-manifest.js';
import { type CompartmentGrant, importConfinedFrom } from './confined-import.js';
import { NotAComponent } from './errors.js';
import type { ModuleSources } from './module-sources.js';
import { type ModuleRoot, packageModuleRoot, readModuleRoot } from './module-scope.js';

/** How a module binary is loaded into each component started from it. */
export interface ModuleBinaryOptions {
  /** Where the binary name led. */
  readonly location: BinaryLocation;
  /** The package's manifest, for a package binary. */
  readonly manifest?: ComponentManifest;
  /** Load into a compartment (default), or import into the host realm as trusted code. */
  readonly confined: boolean;
  /** The directory the component's own modules come from: its package's, or its system's (see `ModuleScope`). */
  readonly root: string;
  /** The parsed sources, shared by every component of the system. */
  readonly sources: ModuleSources;
  /** The system modules compartments may import (`systemModules()`). */
  readonly modules: ReadonlyMap<string, object>;
  /**
   * For an unconfined binary: its namespace, imported while core loads the binary (so virtual time waits for the
   * import).
   */
  readonly imported?: Record<string, unknown>;
}

/**
 * The component's "config" ROM when it may make it a libc program; `undefined` when the request is denied, or the ROM
 * is empty, malformed or without `<libc`.
 */
async function readConfig(env: Env): Promise<XmlNode | undefined> {
  let rom: AttachedRomDataspace;
  try {
    rom = await AttachedRomDataspace.open(env, 'config');
  } catch {
    return undefined;
  }
  try {
    // most components are native: skip parsing a config that cannot hold a <libc> node (a child without
    // a <config> of its own reads its parent's, which can be large)
    return rom.valid() && rom.text().includes('<libc') ? rom.xml() : undefined;
  } catch {
    return undefined;
  } finally {
    await rom.close().catch(() => undefined);
  }
}

const HARDENED_HOST_GLOBALS = ['TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams'] as const;

/** The hardened host constructors, by name: the same for every compartment, so hardened and listed once. */
let sharedHostGlobals: Readonly<Record<string, unknown>> | undefined;

/**
 * Host constructors every compartment may use (hardened, as they are shared), and its own
 * `queueMicrotask`: a callback that throws is a fault of the component (`env.fault`: logged, exit 1),
 * never an uncaught exception that would end the process.
 */
function hostGlobals(env: Env): Record<string, unknown> {
  sharedHostGlobals ??= Object.fromEntries(HARDENED_HOST_GLOBALS.map((name) => [name, harden(globalThis[name])]));
  const globals: Record<string, unknown> = { ...sharedHostGlobals };
  globals.queueMicrotask = harden((callback: unknown) => {
    if (typeof callback !== 'function')
      throw new TypeError(`queueMicrotask: the callback must be a function, got ${typeof callback}`);
    queueMicrotask(() => {
      try {
        Reflect.apply(callback, undefined, []);
      } catch (error) {
        env.fault('a microtask', error);
      }
    });
  });
  return globals;
}

/** The grant of a native component: its console writes to its LOG; no timers, no clock, no process. */
function nativeGrant(env: Env, modules: ReadonlyMap<string, object>): CompartmentGrant {
  const log = new OrderedLog(env);
  return {
    globals: { ...hostGlobals(env), console: componentConsole((_stream, text) => log.write(text)) },
    modules,
    builtinHint: 'a program that needs fs, timers or process runs under the libc shim (a <libc/> node in its config)',
  };
}

/**
 * The component module for a module file: what `construct(env)` does is Genode's dynamic linker's job.
 * It reads the component's "config" ROM, and runs the module under the libc shim when the config has a
 * `<libc>` node (or the package declares `"type": "libc"`); otherwise the module must export
 * `construct`, which is called with `env`. Each component gets its own compartment, hence its own
 * module instances; the decision is made before the module is evaluated.
 */
export function moduleBinary(options: ModuleBinaryOptions): ComponentModule {
  const { location, manifest, confined, root, sources, modules } = options;
  const described =
    location.packageDirectory === undefined
      ? `"${location.name}" (${location.file})`
      : `"${location.name}" (package ${location.packageDirectory})`;
  // made at the first start and kept for the restarts, as the binary's location and manifest are; a package's own
  // directory (a real path) comes with its package.json read
  let moduleRoot: ModuleRoot | undefined;
  const scopeRoot = (): ModuleRoot =>
    (moduleRoot ??=
      root === location.packageDirectory && location.packageJson !== undefined
        ? packageModuleRoot(root, location.packageJson, location.selfContained === true)
        : readModuleRoot(root));
  return {
    async construct(env: Env): Promise<void> {
      const config = await readConfig(env);
      const libc = manifest?.type === 'libc' || config?.hasSubNode('libc') === true;
      if (libc) {
        if (!confined)
          throw new NotAComponent(
            `binary ${described} is a libc program, which runs only confined: the shim's fs, timers and process are ` +
              `given to a compartment; remove confined="no"`,
          );
        await runLibcProgram(env, {
          binary: location.name,
          config: config ?? XmlNode.parse('<config/>', 'config'),
          evaluate: async (grant) => {
            const granted = new Map([...modules, ...grant.modules]);
            await importConfinedFrom(
              location.file,
              scopeRoot(),
              { globals: { ...hostGlobals(env), ...grant.globals }, modules: granted, builtinHint: LIBC_BUILTINS_HINT },
              sources,
              env.name,
            );
          },
        });
        return;
      }
      const namespace = confined
        ? await importConfinedFrom(location.file, scopeRoot(), nativeGrant(env, modules), sources, env.name)
        : (options.imported ?? ((await import(pathToFileURL(location.file).href)) as Record<string, unknown>));
      const construct = namespace.construct;
      if (typeof construct !== 'function') {
        throw new NotAComponent(
          `binary ${described} does not export construct(env), and its config has no <libc> node: export construct, ` +
            `or add <libc/> to its start entry's <config> to run it as a plain Node program`,
        );
      }
      await (construct as (env: Env) => unknown)(env);
    },
  };
}
