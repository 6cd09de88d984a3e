import { describe, expect, it } from 'vitest';
import { findTopLevelAwait } from '../src/top-level-await.js';

describe('findTopLevelAwait', () => {
  it('finds an await at the top level in every form, at its line and column', () => {
    expect(findTopLevelAwait('const x = await f();')).toEqual({ line: 1, column: 11 });
    expect(findTopLevelAwait('console.log(await x);')).toEqual({ line: 1, column: 13 });
    expect(findTopLevelAwait('\n\nfor await (const x of xs) {}')).toEqual({ line: 3, column: 1 });
    expect(findTopLevelAwait('if (a) { await b; }')).toEqual({ line: 1, column: 10 });
    expect(findTopLevelAwait('export default await f();')).toEqual({ line: 1, column: 16 });
    expect(findTopLevelAwait('const o = { v: [await f()] };')).toEqual({ line: 1, column: 17 });
    expect(findTopLevelAwait('await a;\nawait b;')).toEqual({ line: 1, column: 1 });
  });

  it('leaves awaits inside functions, methods and arrows alone, and modules without await', () => {
    expect(findTopLevelAwait('async function f() { await g(); }')).toBeUndefined();
    expect(findTopLevelAwait('const f = async () => await g();')).toBeUndefined();
    expect(findTopLevelAwait('class C { async m() { for await (const x of y) {} } }')).toBeUndefined();
    expect(findTopLevelAwait('const o = { async m() { await g(); } };')).toBeUndefined();
    expect(findTopLevelAwait('export const awaited = "await";')).toBeUndefined();
    expect(findTopLevelAwait('// await in a comment\nconst x = 1;')).toBeUndefined();
  });
});
