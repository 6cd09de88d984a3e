import { formatBytes, type QuotaState } from '@os/kernel';
import { InitConfigError } from './config-error.js';
import type { InitConfig, StartEntry } from './model.js';

/** What a running child holds: its start entry as applied and the quota lent to it. */
export interface Lent {
  /** The start entry the child runs by. */
  readonly entry: StartEntry;
  /** What init lent it. */
  readonly assigned: { readonly ram: number; readonly caps: number };
}

/** Whether `entry` keeps the child started from `running` alive: a child's identity is its name, version and binary. */
export function keeps(running: StartEntry, entry: StartEntry | undefined): boolean {
  return (
    entry !== undefined &&
    entry.name === running.name &&
    entry.version === running.version &&
    entry.binary === running.binary
  );
}

/**
 * Checks that init's own free quota, less what it preserves (`<resource preserve>`), covers every new
 * start entry and every raise of a kept child's quota; a child about to be destroyed gives its quota
 * back, a lowered one is not counted (its child may not be able to yield it). Names the first start
 * entry init cannot afford: init never lends what it does not have.
 */
export function checkQuota(own: QuotaState, config: InitConfig, running: ReadonlyMap<string, Lent>): void {
  let ram = own.ramLimit - own.ramUsed - config.preserve.ram;
  let caps = own.capLimit - own.capUsed - config.preserve.caps;
  for (const lent of running.values()) {
    if (config.children.some((child) => keeps(lent.entry, child))) continue;
    ram += lent.assigned.ram;
    caps += lent.assigned.caps;
  }
  for (const child of config.children) {
    const lent = running.get(child.name);
    const kept = lent !== undefined && keeps(lent.entry, child);
    const needRam = kept ? Math.max(0, child.ram - lent.assigned.ram) : child.ram;
    const needCaps = kept ? Math.max(0, child.caps - lent.assigned.caps) : child.caps;
    ram -= needRam;
    caps -= needCaps;
    const where = child.line > 0 ? `:${child.line}` : '';
    const what = kept ? 'a raise of' : '';
    if (ram < 0)
      throw new InitConfigError(
        `init config${where}: <start name="${child.name}">: not enough RAM: init has ${formatBytes(ram + needRam)} ` +
          `left for ${what ? `${what} ` : ''}it, it asks ${formatBytes(needRam)} (lower its ram or give init more)`,
      );
    if (caps < 0)
      throw new InitConfigError(
        `init config${where}: <start name="${child.name}">: not enough capabilities: init has ${caps + needCaps} ` +
          `left for ${what ? `${what} ` : ''}it, it asks ${needCaps} (lower its caps or give init more)`,
      );
  }
}
