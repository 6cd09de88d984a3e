import { describe, expect, it } from 'vitest';
import { ManifestError, readComponentManifest } from '../src/index.js';

const read = (osComponent: unknown) => readComponentManifest({ name: '@acme/x', osComponent }, 'pkg/package.json');

describe('readComponentManifest', () => {
  it('reads every field, with defaults for the optional ones', () => {
    expect(read({ wire: 1 })).toEqual({ wire: 1, type: 'native', requires: [], provides: [] });
    expect(
      read({
        wire: 1,
        type: 'libc',
        requires: ['Timer', { service: 'ROM', label: 'config' }],
        provides: ['Blink'],
        ram: '2M',
        caps: 80,
      }),
    ).toEqual({
      wire: 1,
      type: 'libc',
      requires: [{ service: 'Timer' }, { service: 'ROM', label: 'config' }],
      provides: ['Blink'],
      ram: 2 * 1024 * 1024,
      caps: 80,
    });
  });

  it.each([
    [
      undefined,
      /pkg\/package.json: package "@acme\/x" is not a component package: its package.json has no "osComponent" field/,
    ],
    [[], /"osComponent": expected an object, got \[\]/],
    [{}, /"osComponent.wire": expected the RPC wire version .* got undefined/],
    [{ wire: '1' }, /"osComponent.wire": .* got "1"/],
    [{ wire: 1, type: 'cjs' }, /"osComponent.type": expected "native" or "libc", got "cjs"/],
    [{ wire: 1, requires: 'Timer' }, /"osComponent.requires": expected an array, got "Timer"/],
    [{ wire: 1, requires: [3] }, /"osComponent.requires\[0\]": expected "Timer" or/],
    [{ wire: 1, requires: [{ service: 'ROM', lable: 'x' }] }, /"osComponent.requires\[0\]": unknown field "lable"/],
    [{ wire: 1, provides: ['no spaces'] }, /"osComponent.provides\[0\]": expected a service name/],
    [{ wire: 1, ram: '2 MB' }, /"osComponent.ram": expected a number of bytes or a size such as "2M", got "2 MB"/],
    [{ wire: 1, caps: -1 }, /"osComponent.caps": expected a non-negative integer, got -1/],
    [{ wire: 1, rams: 1 }, /"osComponent.rams": unknown field \(known: wire, type, requires, provides, ram, caps\)/],
  ])('refuses %j, naming the field', (value, message) => {
    expect(() => read(value)).toThrow(ManifestError);
    expect(() => read(value)).toThrow(message);
  });
});
