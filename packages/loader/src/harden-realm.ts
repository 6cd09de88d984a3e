import { ConfinementError } from './errors.js';

/**
 * The lockdown options `hardenRealm` uses. `errorTaming: 'unsafe'` keeps stack traces readable in the
 * host; `overrideTaming: 'severe'` lets code that assigns over a frozen prototype's property (common in
 * npm packages) go on working; `consoleTaming: 'unsafe'` leaves the host's console as Node made it.
 */
export const LOCKDOWN_OPTIONS = {
  errorTaming: 'unsafe',
  stackFiltering: 'verbose',
  overrideTaming: 'severe',
  consoleTaming: 'unsafe',
  evalTaming: 'safe-eval',
} as const;

/** Whether the realm has been hardened: SES's `lockdown` ran, so the shared intrinsics are frozen. */
export function realmIsHardened(): boolean {
  const realm = globalThis as { harden?: unknown; Compartment?: unknown };
  return (
    typeof realm.harden === 'function' &&
    typeof realm.Compartment === 'function' &&
    Object.isFrozen(Object.prototype) &&
    Object.isFrozen(Array.prototype)
  );
}

/**
 * Hardens the whole JavaScript realm with SES's `lockdown()`, once: every shared intrinsic
 * (`Object.prototype`, `Array.prototype`, `Promise`, ...) is frozen, so no component can change what
 * another one (or the host) runs on, and `Compartment`s become a confinement boundary. Changes the
 * whole process for good: code that later patches a built-in prototype fails. `os run` does this; a
 * program embedding the runtime chooses it before `boot`.
 */
export async function hardenRealm(): Promise<void> {
  if (realmIsHardened()) return;
  await import('ses');
  try {
    lockdown(LOCKDOWN_OPTIONS);
  } catch (error) {
    throw new ConfinementError(
      `cannot harden the realm: SES lockdown failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Throws unless the realm is hardened: confined loading is only a boundary after `lockdown`. */
export function requireHardenedRealm(what: string): void {
  if (realmIsHardened()) return;
  throw new ConfinementError(
    `${what} must be loaded confined, but the realm is not hardened: call "await hardenRealm()" from @os/loader ` +
      `before boot (os run does), or load the binary unconfined (<binary name="..." confined="no"/>)`,
  );
}
