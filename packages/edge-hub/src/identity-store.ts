import type { FileSystem } from '@os/fs';
import type { ScopeIdentity } from './device-scope-client.js';

/** The device scope as the edge hub keeps it on its storage: what lets leaves connect while the hub is away. */
export interface IdentityStore {
  /** The identities stored by an earlier run, or undefined when there are none (or they are unreadable). */
  load(): Promise<ReadonlyMap<string, ScopeIdentity> | undefined>;
  /** Stores the identities of a fetch (atomically: a crash leaves the old file or the new one). */
  save(identities: ReadonlyMap<string, ScopeIdentity>): Promise<void>;
}

/** The file's shape: the gateway it belongs to and its children's keys. */
interface StoredScope {
  readonly gateway: string;
  readonly identities: readonly { deviceId: string; primaryKey: string; secondaryKey: string; enabled: boolean }[];
}

function isStoredIdentity(value: unknown): value is StoredScope['identities'][number] {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record['deviceId'] === 'string' &&
    typeof record['primaryKey'] === 'string' &&
    typeof record['secondaryKey'] === 'string' &&
    typeof record['enabled'] === 'boolean'
  );
}

/**
 * The device-scope cache in file `path` of a File_system session, as IoT Edge's edge hub keeps its own on disk: after
 * a restart during an outage of the hub, the leaves known before still connect and their telemetry is stored. A file
 * of another gateway, or one that does not parse, is ignored (and replaced at the next fetch). It holds the leaves'
 * keys: the session's policy must give this directory to the edge hub alone.
 */
export class FileIdentityStore implements IdentityStore {
  readonly #fs: FileSystem.Connection;
  readonly #path: string;
  readonly #gateway: string;
  readonly #log: (line: string) => Promise<void>;
  #saved = '';

  /** The store of gateway `gateway`'s scope at `path` (a session path; its directory must exist). */
  constructor(fs: FileSystem.Connection, path: string, gateway: string, log: (line: string) => Promise<void>) {
    this.#fs = fs;
    this.#path = path;
    this.#gateway = gateway;
    this.#log = log;
  }

  /** {@inheritDoc IdentityStore.load} */
  async load(): Promise<ReadonlyMap<string, ScopeIdentity> | undefined> {
    if (!(await this.#fs.exists(this.#path))) return undefined;
    const text = await this.#fs.readText(this.#path);
    let stored: unknown;
    try {
      stored = JSON.parse(text);
    } catch {
      await this.#log(`Warning: ${this.#path} is no JSON; the device scope is fetched anew`);
      return undefined;
    }
    const scope = stored as Partial<StoredScope>;
    if (scope.gateway !== this.#gateway || !Array.isArray(scope.identities)) return undefined;
    if (!scope.identities.every(isStoredIdentity)) {
      await this.#log(`Warning: ${this.#path} holds an identity that is not one; the device scope is fetched anew`);
      return undefined;
    }
    this.#saved = text;
    return new Map(scope.identities.map((identity) => [identity.deviceId, { ...identity }]));
  }

  /** {@inheritDoc IdentityStore.save} */
  async save(identities: ReadonlyMap<string, ScopeIdentity>): Promise<void> {
    const stored: StoredScope = {
      gateway: this.#gateway,
      identities: [...identities.values()].map(({ deviceId, primaryKey, secondaryKey, enabled }) => ({
        deviceId,
        primaryKey,
        secondaryKey,
        enabled,
      })),
    };
    const text = JSON.stringify(stored);
    if (text === this.#saved) return;
    await this.#fs.writeFile(this.#path, text, { atomic: true });
    this.#saved = text;
  }
}
