import { describe, expect, it } from 'vitest';
import { applyMergePatch, type JsonObject, jsonEqual, mergePatchBetween } from '../src/index.js';

describe('JSON merge patches', () => {
  it('merges objects member by member, deletes with null and replaces arrays whole (RFC 7396)', () => {
    const target: JsonObject = { a: 1, b: { c: 2, d: [1, 2] }, e: 'x' };
    const patched = applyMergePatch(target, { a: null, b: { c: null, d: [3], f: { g: true } }, h: 4 });
    expect(patched).toEqual({ b: { d: [3], f: { g: true } }, e: 'x', h: 4 });
    expect(target).toEqual({ a: 1, b: { c: 2, d: [1, 2] }, e: 'x' });
  });

  it('keeps "__proto__" a member, never the prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}') as JsonObject;
    const patched = applyMergePatch({}, patch);
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype);
    expect(JSON.stringify(patched)).toBe('{"__proto__":{"polluted":true},"constructor":1}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(mergePatchBetween({}, patch)).toEqual(patched);
  });

  it('finds the patch from one document to another, which applied gives the second', () => {
    const before: JsonObject = { deploy: { status: 'deploying', components: { a: { state: 'starting' }, b: {} } } };
    const after: JsonObject = {
      deploy: { status: 'converged', desiredVersion: null, components: { a: { state: 'running' } } },
    };
    const patch = mergePatchBetween(before, after);
    expect(patch).toEqual({ deploy: { status: 'converged', components: { a: { state: 'running' }, b: null } } });
    expect(applyMergePatch(before, patch)).toEqual({
      deploy: { status: 'converged', components: { a: { state: 'running' } } },
    });
    expect(mergePatchBetween(after, after)).toEqual({});
  });

  it('compares JSON by value, members in any order', () => {
    expect(jsonEqual({ a: [1, { b: 2 }], c: 'd' }, { c: 'd', a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined } as unknown as JsonObject)).toBe(false);
  });
});
