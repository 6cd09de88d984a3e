import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { DepotKeyError } from './errors.js';

/** The length of an Ed25519 signature: a `.sig` file holds exactly these bytes. */
export const SIGNATURE_LENGTH = 64;

/** A new depot key pair, both halves as PEM text. */
export interface DepotKeyPair {
  /** The public key, SPKI PEM: what `<user>/pubkey` holds. */
  readonly publicKey: string;
  /** The private key, PKCS#8 PEM: kept outside the depot by whoever publishes as the user. */
  readonly privateKey: string;
}

/** Makes a new Ed25519 key pair for signing a user's archives. */
export function generateDepotKeyPair(): DepotKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function ed25519(key: KeyObject, origin: string, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new DepotKeyError(
      `${origin}: holds a ${key.asymmetricKeyType ?? 'symmetric'} key, not an Ed25519 ${what}`,
      origin,
    );
  return key;
}

/**
 * Reads a public key in PEM (SPKI, `-----BEGIN PUBLIC KEY-----`), as a `pubkey` file holds it. Refuses a private key
 * (a `pubkey` must not hold one) and any key that is not Ed25519. `origin` names the file in errors.
 */
export function readPublicKey(pem: string, origin: string): KeyObject {
  if (/PRIVATE KEY/.test(pem))
    throw new DepotKeyError(`${origin}: holds a private key; a pubkey file holds only the public key`, origin);
  if (!/-----BEGIN PUBLIC KEY-----/.test(pem))
    throw new DepotKeyError(`${origin}: is no PEM public key (expected "-----BEGIN PUBLIC KEY-----")`, origin);
  try {
    return ed25519(createPublicKey(pem), origin, 'public key');
  } catch (error) {
    if (error instanceof DepotKeyError) throw error;
    throw new DepotKeyError(`${origin}: is no valid public key (${(error as Error).message})`, origin);
  }
}

/** Reads an Ed25519 private key in PEM (PKCS#8), as `os depot keygen` writes it. `origin` names the file in errors. */
export function readPrivateKey(pem: string, origin: string): KeyObject {
  try {
    return ed25519(createPrivateKey(pem), origin, 'private key');
  } catch (error) {
    if (error instanceof DepotKeyError) throw error;
    throw new DepotKeyError(`${origin}: is no valid private key (${(error as Error).message})`, origin);
  }
}

/** The detached Ed25519 signature over exactly `bytes`: what `<archive>.tar.gz.sig` holds (64 bytes). */
export function signBytes(bytes: Uint8Array, privateKey: KeyObject): Uint8Array {
  return new Uint8Array(sign(null, bytes, privateKey));
}

/** Whether `signature` is `publicKey`'s Ed25519 signature over exactly `bytes`. */
export function verifyBytes(bytes: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== SIGNATURE_LENGTH) return false;
  return verify(null, bytes, publicKey, signature);
}
