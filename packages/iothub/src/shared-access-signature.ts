import { createHmac, timingSafeEqual } from 'node:crypto';

/** The fields of a `SharedAccessSignature sr=...&sig=...&se=...[&skn=...]` token, as IoT Hub reads them. */
export interface SharedAccessSignature {
  /** The resource URI, decoded (`{host}/devices/{id}` for a device, `{host}` for a service policy). */
  readonly resource: string;
  /** The URL-encoded resource URI exactly as the token holds it: the signature covers this form. */
  readonly encodedResource: string;
  /** The signature, base64. */
  readonly signature: string;
  /** Expiry, seconds since the epoch. */
  readonly expiry: number;
  /** The shared access policy's name (service tokens), or undefined (device tokens). */
  readonly keyName: string | undefined;
}

const PREFIX = 'SharedAccessSignature ';

/** The bytes of base64 (or base64url) `text`, up to its first letter that is neither. */
function base64Bytes(text: string): Uint8Array {
  const clean = /^[A-Za-z0-9+/]*/.exec(text.replace(/-/g, '+').replace(/_/g, '/'))?.[0] ?? '';
  const padded = clean.length % 4 === 1 ? clean.slice(0, -1) : clean;
  const binary = atob(padded + '='.repeat((4 - (padded.length % 4)) % 4));
  return Uint8Array.from(binary, (character) => character.charCodeAt(0));
}

/** Characters `encodeURIComponent` leaves alone that the Azure SDKs still encode (RFC 3986 reserved). */
function encodeStrict(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The signature of `encodedResource` until `expiry` with the base64 `key`: HMAC-SHA256 over `sr + "\n" + se`. */
export function signResource(encodedResource: string, expiry: number, key: string): string {
  return createHmac('sha256', base64Bytes(key)).update(`${encodedResource}\n${expiry}`).digest('base64');
}

/** A token for `resource` (decoded) signed with the base64 `key`, valid until `expiry` (seconds since the epoch). */
export function createSharedAccessSignature(resource: string, key: string, expiry: number, keyName?: string): string {
  const sr = encodeStrict(resource);
  const skn = keyName === undefined ? '' : `&skn=${encodeStrict(keyName)}`;
  return `${PREFIX}sr=${sr}&sig=${encodeStrict(signResource(sr, expiry, key))}&se=${expiry}${skn}`;
}

/** The token's fields, or undefined when `token` is not a shared access signature. */
export function parseSharedAccessSignature(token: string): SharedAccessSignature | undefined {
  if (!token.startsWith(PREFIX) || token.length > 4096) return undefined;
  const fields = new Map<string, string>();
  for (const pair of token.slice(PREFIX.length).split('&')) {
    const at = pair.indexOf('=');
    if (at <= 0 || fields.has(pair.slice(0, at))) return undefined;
    fields.set(pair.slice(0, at), pair.slice(at + 1));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  if (sr === undefined || sig === undefined || se === undefined || !/^\d{1,12}$/.test(se)) return undefined;
  try {
    const skn = fields.get('skn');
    return {
      resource: decodeURIComponent(sr),
      encodedResource: sr,
      signature: decodeURIComponent(sig),
      expiry: Number(se),
      keyName: skn === undefined ? undefined : decodeURIComponent(skn),
    };
  } catch {
    return undefined;
  }
}

/** Whether `token` was signed with one of `keys` (base64) and has not expired at `nowMs`. */
export function isSignedWith(token: SharedAccessSignature, keys: readonly string[], nowMs: number): boolean {
  if (token.expiry * 1000 <= nowMs) return false;
  const given = base64Bytes(token.signature);
  return keys.some((key) => {
    if (key.length === 0) return false;
    const expected = base64Bytes(signResource(token.encodedResource, token.expiry, key));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
