import type { ScopeIdentity } from './device-scope-client.js';

/** What a look-up of a connecting device found. */
export type IdentityLookup =
  | { readonly kind: 'found'; readonly identity: ScopeIdentity }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** What the cache needs. */
export interface LeafIdentitiesParts {
  /** Fetches every child of the gateway (the device-scope API). */
  readonly fetch: () => Promise<Map<string, ScopeIdentity>>;
  /** Milliseconds on the edge hub's clock. */
  readonly now: () => number;
  /** How long after a fetch an unknown device may cause another one, at the least. */
  readonly retryMs: number;
  /** How often the cache is fetched again while fetches succeed. */
  readonly refreshMs: number;
  /** Told of each fetch that failed (the cache is kept) and of each new set of identities. */
  readonly onFailure: (reason: string) => void;
  readonly onFetched: (identities: ReadonlyMap<string, ScopeIdentity>) => void;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The identities of the gateway's children, as the hub's device-scope API gave them: fetched at start, again
 * periodically, and again (at most once per `retryMs`) when an unknown device connects, as IoT Edge's edge hub keeps
 * its device-scope cache. A failed fetch keeps what was fetched before, so leaves still connect while the hub is away.
 */
export class LeafIdentities {
  readonly #parts: LeafIdentitiesParts;
  #identities: ReadonlyMap<string, ScopeIdentity> | undefined;
  #fetching: Promise<void> | undefined;
  #attemptAt = Number.NEGATIVE_INFINITY;
  #failed = false;
  #lastFailure = 'the device scope was not fetched yet';

  /** An empty cache; `refresh` or `due` fills it. */
  constructor(parts: LeafIdentitiesParts) {
    this.#parts = parts;
  }

  /** How many identities the cache holds. */
  get size(): number {
    return this.#identities?.size ?? 0;
  }

  /** The identity of `deviceId`, fetching again first when it is unknown and the last fetch is old enough. */
  async lookup(deviceId: string): Promise<IdentityLookup> {
    const cached = this.#identities?.get(deviceId);
    if (cached !== undefined) return { kind: 'found', identity: cached };
    if (this.#parts.now() - this.#attemptAt >= this.#parts.retryMs || this.#fetching !== undefined) {
      await this.refresh();
    }
    const identity = this.#identities?.get(deviceId);
    if (identity !== undefined) return { kind: 'found', identity };
    return this.#identities === undefined ? { kind: 'unavailable', reason: this.#lastFailure } : { kind: 'unknown' };
  }

  /**
   * Fills the cache with identities stored by an earlier run, unless a fetch filled it already: leaves known before
   * connect while the hub cannot be reached. A fetch is still due (the stored set may be stale).
   */
  restore(identities: ReadonlyMap<string, ScopeIdentity>): void {
    if (this.#identities !== undefined) return;
    this.#identities = identities;
  }

  /** The identity of `deviceId` in the cache, without fetching. */
  cached(deviceId: string): ScopeIdentity | undefined {
    return this.#identities?.get(deviceId);
  }

  /** Fetches when one is due (periodically, or retrying after a failure); called at each tick. */
  tick(): void {
    if (this.#fetching !== undefined) return;
    const wait = this.#failed || this.#identities === undefined ? this.#parts.retryMs : this.#parts.refreshMs;
    if (this.#parts.now() - this.#attemptAt >= wait) void this.refresh();
  }

  /** Fetches the identities now (joining a fetch under way); never rejects. */
  refresh(): Promise<void> {
    this.#fetching ??= this.#fetch().finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  async #fetch(): Promise<void> {
    this.#attemptAt = this.#parts.now();
    try {
      const identities = await this.#parts.fetch();
      this.#identities = identities;
      this.#failed = false;
      this.#parts.onFetched(identities);
    } catch (error) {
      this.#failed = true;
      this.#lastFailure = describe(error);
      this.#parts.onFailure(this.#lastFailure);
    }
  }
}
