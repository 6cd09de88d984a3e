import type { QuotaAmount, QuotaState } from '@os/kernel';

/**
 * A PD's quota as the seam reports it: limits, and what its live objects use of them. Used amounts
 * are never negative and never exceed the limit; only unused quota moves.
 */
export interface QuotaAccount {
  /** RAM the PD may use, in bytes. */
  ramLimit: number;
  /** RAM charged for its live dataspaces (page-rounded). */
  ramUsed: number;
  /** Objects the PD may own at once. */
  capLimit: number;
  /** Objects it owns that exist. */
  capUsed: number;
}

/** A fresh PD's account: no quota. */
export function emptyAccount(): QuotaAccount {
  return { ramLimit: 0, ramUsed: 0, capLimit: 0, capUsed: 0 };
}

/** RAM the PD may still use or give away. */
export function freeRam(account: QuotaAccount): number {
  return account.ramLimit - account.ramUsed;
}

/** Capabilities the PD may still use or give away. */
export function freeCaps(account: QuotaAccount): number {
  return account.capLimit - account.capUsed;
}

/** `amount` with both parts present. */
export function wholeAmount(amount: QuotaAmount): Required<QuotaAmount> {
  return { ram: amount.ram ?? 0, caps: amount.caps ?? 0 };
}

/**
 * Which part of `amount` the account cannot spare, if any: RAM is checked before capabilities, either may be reported.
 */
export function shortfall(account: QuotaAccount, amount: Required<QuotaAmount>): ('ram' | 'caps')[] {
  const short: ('ram' | 'caps')[] = [];
  if (freeRam(account) < amount.ram) short.push('ram');
  if (freeCaps(account) < amount.caps) short.push('caps');
  return short;
}

/** The account as the seam's `QuotaState`. */
export function quotaState(account: QuotaAccount): QuotaState {
  return { ramLimit: account.ramLimit, ramUsed: account.ramUsed, capLimit: account.capLimit, capUsed: account.capUsed };
}

/** Broken rules of one account: negative or fractional amounts, use above the limit. */
export function accountViolations(account: QuotaAccount): string[] {
  const violations: string[] = [];
  for (const [name, value] of Object.entries(account) as [string, number][]) {
    if (!Number.isSafeInteger(value) || value < 0) violations.push(`${name} is ${value}`);
  }
  if (account.ramUsed > account.ramLimit)
    violations.push(`RAM used ${account.ramUsed} exceeds the limit ${account.ramLimit}`);
  if (account.capUsed > account.capLimit)
    violations.push(`caps used ${account.capUsed} exceed the limit ${account.capLimit}`);
  return violations;
}
