import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from './fixtures.js';

const kernel = kernelUnderTest().name;
const example = resolve(import.meta.dirname, '../example');
// the os command of this repository (built by `pnpm build`): @os/cli depends on @os/fs, so this test runs it by path
const main = resolve(import.meta.dirname, '../../cli/dist/main.js');

describe(`the README's example with os run on ${kernel}`, () => {
  it('keeps its notes under the system directory across runs, started from another working directory', () => {
    const directory = temporaryDirectory();
    cpSync(example, directory, { recursive: true });
    const run = () =>
      spawnSync('node', [main, 'run', join(directory, 'system.xml'), '--virtual-time', '--kernel', kernel], {
        cwd: '/',
        encoding: 'utf8',
        timeout: 60_000,
      });
    const refusal =
      '[init -> notes] InvalidName: path "/../secret": the name ".." names no node of its own; use a plain name\n';
    const first = run();
    expect(first.stdout).toBe(
      `[init -> lx_fs] created ${join(directory, 'data')}\n` +
        `[init -> lx_fs] created ${join(directory, 'data/notes')} for "notes"\n` +
        `[init -> notes] boot 1; journal: 1.txt\n${refusal}`,
    );
    expect(first.status).toBe(0);
    const second = run();
    expect(second.stdout).toBe(`[init -> notes] boot 2; journal: 1.txt, 2.txt\n${refusal}`);
    expect(second.status).toBe(0);
    expect(readFileSync(join(directory, 'data/notes/boots.txt'), 'utf8')).toBe('2');
  });

  it('refuses a confined component that imports @os/fs/host, the server holding the host files', () => {
    const directory = temporaryDirectory();
    cpSync(example, directory, { recursive: true });
    writeFileSync(
      join(directory, 'notes.mjs'),
      "import { lxFs } from '@os/fs/host';\nexport async function construct(env) { await env.log(String(lxFs)); }\n",
    );
    const result = spawnSync('node', [main, 'run', join(directory, 'system.xml'), '--virtual-time'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(`${result.stdout}${result.stderr}`).toMatch(/ConfinementError[^\n]*@os\/fs\/host/);
    expect(result.status).not.toBe(0);
  });

  it('is the system.xml, notes.mjs and depot.ts the README shows', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
    for (const file of ['system.xml', 'notes.mjs', 'depot.ts']) {
      const block = readme.match(new RegExp(`\`\`\`\\w+ example/${file.replace('.', '\\.')}\\n([\\s\\S]*?)\`\`\``));
      expect(block?.[1], file).toBe(readFileSync(join(example, file), 'utf8'));
    }
  });
});
