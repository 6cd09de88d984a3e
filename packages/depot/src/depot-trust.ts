import type { KeyObject } from 'node:crypto';
import { isDepotName } from './archive-path.js';
import { DepotKeyError } from './errors.js';
import { readPublicKey } from './signing.js';

/**
 * The public keys a gateway trusts, one per depot user (from its config, or the depot's `<user>/pubkey` files). An
 * archive of a user without a key here is refused, whoever signed it.
 */
export class DepotTrust {
  readonly #keys: ReadonlyMap<string, KeyObject>;

  private constructor(keys: ReadonlyMap<string, KeyObject>) {
    this.#keys = keys;
  }

  /**
   * Trust built from PEM public keys by user: `{ gapstage: '-----BEGIN PUBLIC KEY-----...' }`. Throws `DepotKeyError`
   * for a bad user name or a key that is not an Ed25519 public key.
   */
  static fromPem(keys: Readonly<Record<string, string>> | Iterable<readonly [string, string]>): DepotTrust {
    const entries = Symbol.iterator in keys ? [...(keys as Iterable<readonly [string, string]>)] : Object.entries(keys);
    const parsed = new Map<string, KeyObject>();
    for (const [user, pem] of entries) {
      if (!isDepotName(user)) throw new DepotKeyError(`trusted key for "${user}": not a depot user name`, user);
      parsed.set(user, readPublicKey(pem, `trusted key of ${user}`));
    }
    return new DepotTrust(parsed);
  }

  /** The users with a trusted key, sorted. */
  users(): string[] {
    return [...this.#keys.keys()].sort();
  }

  /** The trusted key of `user`, if there is one. */
  keyOf(user: string): KeyObject | undefined {
    return this.#keys.get(user);
  }
}
