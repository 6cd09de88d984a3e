import { realpathSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfinementError } from './errors.js';
import { requireHardenedRealm } from './harden-realm.js';
import type { ModuleSources } from './module-sources.js';
import { type ModuleRoot, ModuleScope, isRelativeSpecifier, readModuleRoot } from './module-scope.js';
import { isInside } from './package-folder.js';

/** What a compartment grants the code in it, beyond ECMAScript's own (frozen, shared) intrinsics. */
export interface CompartmentGrant {
  /**
   * Its globals, besides the intrinsics: for a native component `console`, `TextEncoder`, ...; for a libc program also
   * timers, `Date`, `process`.
   */
  readonly globals: Readonly<Record<string, unknown>>;
  /**
   * Modules it may import by name: the system's `@os/*` packages and, for a libc program, the shim's `fs`, `process`,
   * `timers`. Hardened.
   */
  readonly modules: ReadonlyMap<string, object>;
  /** Said when its code imports a Node built-in it was not granted. */
  readonly builtinHint: string;
}

const NODE_BUILTINS = new Set(builtinModules);

/** Whether `specifier` names a Node built-in (`fs`, `node:net`, `fs/promises`). */
export function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:') || NODE_BUILTINS.has(specifier)) return true;
  const slash = specifier.indexOf('/');
  return slash > 0 && NODE_BUILTINS.has(specifier.slice(0, slash));
}

/**
 * Evaluates the ES module `file` in a fresh SES compartment and returns its namespace. Its own imports
 * (relative files and npm packages) load into the same compartment, each component getting its own
 * instances; `@os/*` imports get the system's one copy; Node built-ins and everything else not in
 * `grant` are refused with a `ConfinementError`, as is every module that is not the component's own
 * (under `root`, its package's or its system's directory; see `ModuleScope`). Needs a hardened realm
 * (`hardenRealm`).
 */
export async function importConfined(
  file: string,
  root: string,
  grant: CompartmentGrant,
  sources: ModuleSources,
  label: string,
): Promise<Record<string, unknown>> {
  requireHardenedRealm(`binary of "${label}"`);
  return importConfinedFrom(file, readModuleRoot(root), grant, sources, label);
}

/** `importConfined` with the root already read: a loader reads it once per binary, not per component. */
export async function importConfinedFrom(
  file: string,
  root: ModuleRoot,
  grant: CompartmentGrant,
  sources: ModuleSources,
  label: string,
): Promise<Record<string, unknown>> {
  requireHardenedRealm(`binary of "${label}"`);
  const entry = pathToFileURL(file).href;
  const scope = new ModuleScope(label, file, root);
  // SES wraps a hook's error in a TypeError listing "underlying failures"; the first refusal is the one to report
  let refusal: Error | undefined;
  const refuse = (error: Error): never => {
    refusal ??= error;
    throw error;
  };
  const compartment = new Compartment({
    __options__: true,
    name: label,
    globals: grant.globals as never,
    resolveHook: (specifier: string, referrer: string): string => {
      if (grant.modules.has(specifier) || isNodeBuiltin(specifier)) return specifier;
      if (specifier.startsWith('@os/') && !isRelativeSpecifier(specifier)) {
        refuse(
          new ConfinementError(
            `"${label}" imports "${specifier}", which this system does not grant its components ` +
              `(granted: ${[...grant.modules.keys()].filter((name) => name.startsWith('@os/')).join(', ')})`,
          ),
        );
      }
      try {
        return scope.resolve(specifier, referrer);
      } catch (error) {
        return refuse(error instanceof Error ? error : new Error(String(error)));
      }
    },
    importHook: async (specifier: string) => {
      const granted = grant.modules.get(specifier);
      if (granted !== undefined) return { namespace: granted as never };
      // the component's own modules, by file: URL (never a built-in's name)
      if (scope.has(specifier)) {
        try {
          return { source: sources.get(specifier) as never, specifier, importMeta: { url: specifier } };
        } catch (error) {
          return refuse(error instanceof Error ? error : new Error(String(error)));
        }
      }
      if (isNodeBuiltin(specifier)) {
        refuse(
          new ConfinementError(
            `"${label}" imports the Node built-in "${specifier}": a confined component reaches the system only ` +
              `through its sessions; ${grant.builtinHint}`,
          ),
        );
      }
      return refuse(new ConfinementError(`"${label}" imports "${specifier}", which is not one of its own modules`));
    },
  });
  try {
    const { namespace } = (await compartment.import(entry)) as { namespace: Record<string, unknown> };
    return namespace;
  } catch (error) {
    if (refusal !== undefined) throw refusal;
    throw error;
  }
}

/**
 * Whether the module at `file` exports `construct`, following its relative `export * from` lines; read without
 * evaluating it. With `root` (the directory its modules come from, a real path), a line that leads out of it is not
 * followed, nor is anything there read: it counts as `unknown`, and importing the module refuses it.
 */
export function exportsConstruct(file: string, sources: ModuleSources, root?: string): boolean | 'unknown' {
  return exportsConstructFrom(file, sources, root, new Set());
}

function exportsConstructFrom(
  file: string,
  sources: ModuleSources,
  root: string | undefined,
  seen: Set<string>,
): boolean | 'unknown' {
  const url = pathToFileURL(file).href;
  if (seen.has(url)) return false;
  seen.add(url);
  const source = sources.get(url);
  if (source.exports.includes('construct')) return true;
  let unknown = false;
  for (const reexport of source.reexports) {
    const next = isRelativeSpecifier(reexport) ? moduleIn(root, fileURLToPath(new URL(reexport, url))) : undefined;
    const found = next === undefined ? 'unknown' : exportsConstructFrom(next, sources, root, seen);
    if (found === true) return true;
    if (found === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : false;
}

/** `file` when there is no `root` or it lies in `root` before and after symbolic links; else `undefined`. */
function moduleIn(root: string | undefined, file: string): string | undefined {
  if (root === undefined) return file;
  if (!isInside(root, file)) return undefined;
  let real: string;
  try {
    real = realpathSync.native(file);
  } catch {
    return file; // missing: reading it says so, naming a file of the root
  }
  return isInside(root, real) ? real : undefined;
}
