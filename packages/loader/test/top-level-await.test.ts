import { ModuleSource } from '@endo/module-source';
import { describe, expect, it } from 'vitest';
import { findTopLevelAwait, mayAwaitAtTopLevel } from '../src/top-level-await.js';

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

/** The functor source a compartment runs for module `text`. */
const functor = (text: string): string => new ModuleSource(text, 'file:///tmp/module.mjs').__syncModuleProgram__;

describe('mayAwaitAtTopLevel', () => {
  it('rules out modules whose awaits are all inside functions, methods and arrows', () => {
    const modules = [
      'export async function construct(env) { await env.log("up"); }',
      'const f = async () => await g();\nexport { f };',
      'class C { async m() { for await (const x of y) {} } static async *g() { yield await 1; } }',
      'const o = { async m() { await g(); }, await: 1 };\nexport default o.await;',
      'import { a as b } from "./x.js";\nexport { b as await };\nexport * from "./y.js";',
      'export let counter = 0;\nexport function count() { counter++; }\nconst url = import.meta.url;',
      'export default class { static { this.ready = true; } async run() { await this.ready; } }',
    ];
    for (const text of modules) expect(mayAwaitAtTopLevel(functor(text)), text).toBe(false);
  });

  it('never rules out a module that awaits at its top level, also in forms a plain function parses as a call', () => {
    const modules = [
      'const x = await f();',
      '\n\nfor await (const x of xs) {}',
      'export default await f();',
      'await (x);',
      'await [1];',
      'await\nf();',
      'const y = await /x/g;',
      'class C { [await f()] = 1; }',
      'export const z = f(...await g());',
      'try {} finally { await x; }',
    ];
    for (const text of modules) expect(mayAwaitAtTopLevel(functor(text)), text).toBe(true);
  });

  it('leaves the decision to findTopLevelAwait for a body no static block takes, or a functor of another shape', () => {
    const text = 'export const kind = typeof arguments;\nexport async function construct(env) { await env.log(kind); }';
    expect(mayAwaitAtTopLevel(functor(text))).toBe(true);
    expect(findTopLevelAwait(text)).toBeUndefined();
    expect(mayAwaitAtTopLevel('({ imports }) => (() => { await x; })()')).toBe(true);
    expect(mayAwaitAtTopLevel('')).toBe(true);
  });
});
