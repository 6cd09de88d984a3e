import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DEPOT_NAME_RULE, isDepotName } from './archive-path.js';
import { DepotTrust } from './depot-trust.js';
import { DepotKeyError } from './errors.js';
import { generateDepotKeyPair } from './signing.js';

/** Where `os depot keygen` keeps `user`'s private key unless told otherwise: `~/.os/depot/<user>.key`. */
export function defaultKeyFile(user: string): string {
  return join(homedir(), '.os', 'depot', `${user}.key`);
}

/** Options of {@link keygen}. */
export interface KeygenOptions {
  /** The depot folder that gets `<user>/pubkey`. */
  readonly depot: string;
  /** Where the private key goes; {@link defaultKeyFile} by default. Must lie outside the depot. */
  readonly key?: string;
}

/** The files {@link keygen} wrote. */
export interface KeygenResult {
  /** `<depot>/<user>/pubkey`: the public key, SPKI PEM. */
  readonly pubkey: string;
  /** The private key file, PKCS#8 PEM, readable by its owner only. */
  readonly key: string;
}

function inside(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

/**
 * Makes an Ed25519 key pair for `user`: the public key as `<depot>/<user>/pubkey`, the private key in a file outside
 * the depot (a depot is served to the public). Refuses, with `DepotKeyError` and nothing written, to overwrite either
 * file or to put the private key inside the depot.
 */
export function keygen(user: string, options: KeygenOptions): KeygenResult {
  if (!isDepotName(user)) throw new DepotKeyError(`"${user}" is no depot user name (${DEPOT_NAME_RULE})`, user);
  const pubkey = join(options.depot, user, 'pubkey');
  const key = options.key ?? defaultKeyFile(user);
  if (inside(options.depot, key))
    throw new DepotKeyError(
      `the private key ${key} would lie inside the depot ${options.depot}, which is published; give --key outside it`,
      key,
    );
  for (const file of [pubkey, key])
    if (existsSync(file))
      throw new DepotKeyError(
        `${file} exists; keygen does not overwrite a key (remove it first, or pick another)`,
        file,
      );
  const pair = generateDepotKeyPair();
  mkdirSync(dirname(key), { recursive: true, mode: 0o700 });
  writeFileSync(key, pair.privateKey, { flag: 'wx', mode: 0o600 });
  mkdirSync(dirname(pubkey), { recursive: true });
  writeFileSync(pubkey, pair.publicKey, { flag: 'wx', mode: 0o644 });
  return { pubkey, key };
}

/** Trust in every user of a depot folder that has a `<user>/pubkey`: how a local tool trusts its own depot. */
export function trustFromDepot(depot: string): DepotTrust {
  const keys: [string, string][] = [];
  for (const user of readdirSync(depot).sort()) {
    const file = join(depot, user, 'pubkey');
    if (isDepotName(user) && existsSync(file)) keys.push([user, readFileSync(file, 'utf8')]);
  }
  return DepotTrust.fromPem(keys);
}
