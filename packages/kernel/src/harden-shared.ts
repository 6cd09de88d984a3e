/**
 * Freezes `value` and everything reachable from it (SES's `harden`) when the realm is hardened, and
 * returns it. For objects a package makes at run time and hands to more than one component (a client
 * class made per interface, a cache): in a hardened realm every such object must be frozen, or one
 * component could change what another, or init and core, run. Before `lockdown` no confined component
 * exists, so there is nothing to protect yet; callers that cache call it again on each lookup, which
 * hardens what was made before `lockdown` once the realm is hardened.
 */
export function hardenShared<T>(value: T): T {
  const harden = (globalThis as { harden?: <V>(value: V) => V }).harden;
  return typeof harden === 'function' && Object.isFrozen(Object.prototype) ? harden(value) : value;
}
