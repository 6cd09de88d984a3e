import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DepotKeyError,
  DepotTrust,
  generateDepotKeyPair,
  readPrivateKey,
  readPublicKey,
  signBytes,
  verifyBytes,
} from '../src/index.js';

describe('Ed25519 depot keys', () => {
  it('sign the exact bytes: one changed byte or a cut signature does not verify', () => {
    const pair = generateDepotKeyPair();
    const bytes = new TextEncoder().encode('archive bytes');
    const signature = signBytes(bytes, readPrivateKey(pair.privateKey, 'k'));
    const publicKey = readPublicKey(pair.publicKey, 'pubkey');
    expect(signature.length).toBe(64);
    expect(verifyBytes(bytes, signature, publicKey)).toBe(true);
    expect(verifyBytes(new TextEncoder().encode('archive bytez'), signature, publicKey)).toBe(false);
    expect(verifyBytes(bytes, signature.slice(0, 63), publicKey)).toBe(false);
    const other = readPublicKey(generateDepotKeyPair().publicKey, 'other');
    expect(verifyBytes(bytes, signature, other)).toBe(false);
  });

  it('refuse a private key as pubkey, another key type, and text that is no key', () => {
    const pair = generateDepotKeyPair();
    expect(() => readPublicKey(pair.privateKey, 'gapstage/pubkey')).toThrow(
      new DepotKeyError(
        'gapstage/pubkey: holds a private key; a pubkey file holds only the public key',
        'gapstage/pubkey',
      ),
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
    expect(() => readPublicKey(rsa.toString(), 'gapstage/pubkey')).toThrow(
      'gapstage/pubkey: holds a rsa key, not an Ed25519 public key',
    );
    expect(() => readPublicKey('hello', 'gapstage/pubkey')).toThrow(
      'gapstage/pubkey: is no PEM public key (expected "-----BEGIN PUBLIC KEY-----")',
    );
    expect(() => readPrivateKey(pair.publicKey, 'k')).toThrow(DepotKeyError);
    expect(() => DepotTrust.fromPem({ '../x': pair.publicKey })).toThrow(
      'trusted key for "../x": not a depot user name',
    );
    expect(DepotTrust.fromPem({ b: pair.publicKey, a: pair.publicKey }).users()).toEqual(['a', 'b']);
  });
});
