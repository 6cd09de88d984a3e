import { SharedAccessSignature as Microsoft } from 'azure-iot-common';
import { describe, expect, it } from 'vitest';
import { createSharedAccessSignature, isSignedWith, parseSharedAccessSignature } from '../src/index.js';

const KEY = 'c2VjcmV0LWtleS1vZi0zMi1ieXRlcy0wMTIzNDU2Nzg5YQ==';
const OTHER = 'b3RoZXIta2V5LW9mLTMyLWJ5dGVzLTAxMjM0NTY3ODlh';

describe('shared access signatures', () => {
  it("signs as Microsoft's SDK does, for a device and for a service policy", () => {
    const device = Microsoft.create(encodeURIComponent('localhost:8883/devices/robot 1'), '', KEY, 1_900_000_000);
    expect(createSharedAccessSignature('localhost:8883/devices/robot 1', KEY, 1_900_000_000)).toBe(device.toString());
    const service = Microsoft.create(encodeURIComponent('localhost:8443'), 'iothubowner', KEY, 1_900_000_000);
    // the same fields; Microsoft's writes skn before se
    expect(
      parseSharedAccessSignature(createSharedAccessSignature('localhost:8443', KEY, 1_900_000_000, 'iothubowner')),
    ).toEqual(parseSharedAccessSignature(service.toString()));
  });

  it('verifies the key and the expiry, and refuses a changed resource, signature or expiry', () => {
    const now = Date.now();
    const expiry = Math.floor(now / 1000) + 60;
    const token = createSharedAccessSignature('h/devices/d', KEY, expiry);
    const parsed = parseSharedAccessSignature(token);
    expect(parsed?.resource).toBe('h/devices/d');
    expect(isSignedWith(parsed!, [OTHER, KEY], now)).toBe(true);
    expect(isSignedWith(parsed!, [OTHER], now)).toBe(false);
    expect(isSignedWith(parsed!, [KEY], (expiry + 1) * 1000)).toBe(false);
    const moved = parseSharedAccessSignature(token.replace('sr=h', 'sr=g'));
    expect(isSignedWith(moved!, [KEY], now)).toBe(false);
    const later = parseSharedAccessSignature(token.replace(`se=${expiry}`, `se=${expiry + 3600}`));
    expect(isSignedWith(later!, [KEY], now)).toBe(false);
    const cut = parseSharedAccessSignature(token.replace(/sig=[^&]{4}/, 'sig='));
    expect(isSignedWith(cut!, [KEY], now)).toBe(false);
  });

  it('refuses what is no token', () => {
    for (const text of [
      'Bearer x',
      'SharedAccessSignature sr=a&sig=b',
      'SharedAccessSignature sr=a&sig=b&se=soon',
      'SharedAccessSignature sr=a&sr=b&sig=c&se=1',
      'SharedAccessSignature sr=%E0%A4%A&sig=c&se=1',
      `SharedAccessSignature sr=${'a'.repeat(5000)}&sig=c&se=1`,
    ])
      expect(parseSharedAccessSignature(text)).toBeUndefined();
  });
});
