import { describe, expect, it } from 'vitest';
import { patchProblem, sectionProblem, TWIN_LIMITS, utf8Length } from '../src/index.js';

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < depth; level++) value = { [`l${level}`]: value };
  return value;
}

describe("IoT Hub's twin document rules", () => {
  it('takes a document within the limits, with $version and $metadata at its top', () => {
    expect(sectionProblem({ $version: 4, $metadata: { $lastUpdated: 'x' }, dynamic: { deploy: [] } }, 'd')).toBe(
      undefined,
    );
    expect(sectionProblem(nested(11), 'desired')).toBeUndefined();
  });

  it('refuses keys with ".", "$", space or control characters, long strings, nesting past 10, null', () => {
    expect(sectionProblem({ 'a b': 1 }, 'desired')).toMatch(/desired: key "a b" holds " ": keys must not hold/);
    expect(sectionProblem({ a: { 'x.y': 1 } }, 'desired')).toMatch(/desired\.a: key "x\.y" holds "\."/);
    expect(sectionProblem({ a: { $x: 1 } }, 'desired')).toMatch(/holds "\$"/);
    expect(sectionProblem({ 'a\u0007': 1 }, 'desired')).toMatch(/holds "\\u0007"/);
    expect(sectionProblem({ ['k'.repeat(1025)]: 1 }, 'desired')).toMatch(/is over 1 KB/);
    expect(sectionProblem({ s: 'é'.repeat(2049) }, 'desired')).toMatch(/desired\.s: the string is over 4 KB/);
    expect(sectionProblem(nested(12), 'desired')).toMatch(/objects nest deeper than 10 levels/);
    expect(sectionProblem({ a: null }, 'desired')).toMatch(/null is allowed only in a patch/);
    expect(sectionProblem({ a: [1, null] }, 'desired')).toMatch(/desired\.a\[1\]: arrays must not hold null/);
    expect(sectionProblem({ n: 2 ** 60 }, 'desired')).toMatch(/outside IoT Hub's integer range/);
    expect(sectionProblem([1], 'desired')).toMatch(/must be a JSON object/);
  });

  it('refuses a section over 32 KB, measured as compact JSON without $version', () => {
    const big = { a: 'x'.repeat(4000), b: 'x'.repeat(4000), c: 'x'.repeat(4000), d: 'x'.repeat(4000) };
    const document = { p: big, q: big, $version: 3 };
    expect(sectionProblem(document, 'desired')).toBeUndefined();
    expect(sectionProblem({ ...document, r: big }, 'desired')).toMatch(
      /desired: \d+ bytes, over IoT Hub's limit of 32768 bytes/,
    );
  });

  it('bounds arrays nested in arrays, so a hostile document cannot overflow the stack', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(patchProblem({ a: deep }, 'desired')).toMatch(/arrays nest deeper than 10 levels/);
  });

  it('allows null in a patch (it deletes)', () => {
    expect(patchProblem({ a: null, b: { c: null } }, 'properties.reported')).toBeUndefined();
  });

  it('counts UTF-8 bytes as an encoder does', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', '\ud800', 'a\udc00b', 'x'.repeat(TWIN_LIMITS.stringBytes)])
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
  });
});
