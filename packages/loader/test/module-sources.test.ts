import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfinementError, ModuleSources } from '../src/index.js';

let directory: string;

/** The file: URL of module `name`, written with `text`. */
function module(name: string, text: string): string {
  const file = join(directory, name);
  writeFileSync(file, text);
  return pathToFileURL(file).href;
}

beforeAll(() => {
  directory = realpathSync(mkdtempSync(join(tmpdir(), 'os-module-sources-')));
});

describe('ModuleSources', () => {
  it('refuses a module that awaits at its top level, naming the place, in every form', () => {
    const sources = new ModuleSources();
    const forms = [
      ['call.mjs', 'export const x = await f();\n', 'call.mjs:1:18'],
      ['parenthesised.mjs', 'const a = 1;\nawait (a);\n', 'parenthesised.mjs:2:1'],
      ['for-await.mjs', 'for await (const x of []) {}\n', 'for-await.mjs:1:1'],
    ];
    for (const [name, text, place] of forms) {
      const url = module(name as string, text as string);
      expect(() => sources.get(url)).toThrow(ConfinementError);
      expect(() => sources.get(url)).toThrow(`${join(directory, place as string)} uses top-level await`);
    }
  });

  it('reads a module whose awaits are in functions, with what it imports and exports', () => {
    const url = module(
      'nested.mjs',
      'import { b } from "./b.mjs";\nexport async function construct(env) { await env.log(b); }\n',
    );
    const source = new ModuleSources().get(url);
    expect([source.imports, source.exports, source.reexports]).toEqual([['./b.mjs'], ['construct'], []]);
  });
});
