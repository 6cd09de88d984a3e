/**
 * The entry points a confined component may import, as the system's one copy of each: a component
 * package that installs its own copy still gets these (one kernel, one runtime per system). Each is a
 * package's main entry, which touches no host authority; the `/host` entry points (`@os/kernel/host`,
 * `@os/runtime/host`, `@os/rom/host`, `@os/fs/host`, `@os/net/host`) and every other subpath are never granted.
 */
export const SYSTEM_MODULE_NAMES = [
  '@os/capability',
  '@os/kernel',
  '@os/rpc',
  '@os/session',
  '@os/runtime',
  '@os/timer',
  '@os/rom',
  '@os/fs',
  '@os/net',
] as const;

/**
 * A module namespace copied into a hardened plain object: compartments share it, so no component may
 * change what another one imports (a namespace object itself cannot be frozen).
 */
export function hardenedNamespace(namespace: object): object {
  return harden(plainNamespace(namespace));
}

/** A copy of a module namespace as a plain object; nested namespaces (`export * as codec`) are copied too. */
function plainNamespace(namespace: object): object {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(namespace)) {
    copy[name] =
      typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Module]'
        ? plainNamespace(value)
        : value;
  }
  return copy;
}

/**
 * The system modules a compartment may import, each hardened (so the realm must be): the default
 * `@os/*` set plus `extra` (say `@os/init`, to let components embed a sandbox).
 */
export async function systemModules(
  extra: Readonly<Record<string, object>> = {},
): Promise<ReadonlyMap<string, object>> {
  const modules = new Map<string, object>();
  const loaded = await Promise.all([
    import('@os/capability'),
    import('@os/kernel'),
    import('@os/rpc'),
    import('@os/session'),
    import('@os/runtime'),
    import('@os/timer'),
    import('@os/rom'),
    import('@os/fs'),
    import('@os/net'),
  ]);
  SYSTEM_MODULE_NAMES.forEach((name, index) => {
    modules.set(name, hardenedNamespace(loaded[index] as object));
  });
  for (const [name, namespace] of Object.entries(extra)) modules.set(name, hardenedNamespace(namespace));
  return modules;
}
