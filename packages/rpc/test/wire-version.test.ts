import { readFileSync } from 'node:fs';
import { WIRE_VERSION } from '@os/rpc';
import { describe, expect, it } from 'vitest';

describe('WIRE_VERSION', () => {
  it('is the version the package.json of @os/rpc declares as osWire', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      readonly osWire?: unknown;
    };
    expect(manifest.osWire).toBe(WIRE_VERSION);
  });
});
