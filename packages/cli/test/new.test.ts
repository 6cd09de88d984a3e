import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WIRE_VERSION } from '@os/rpc';
import { kernelUnderTest } from '@os/test-kernels';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'packages/cli/dist/main.js');
const kernel = kernelUnderTest().name;

/** Runs `os` from the repository's root, as `pnpm os ...` does. */
function os(...args: string[]) {
  const result = spawnSync('node', [main, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `dir`, relative to it, sorted. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .sort();
}

/** Whether `path` exists. */
function exists(path: string): boolean {
  return existsSync(path);
}

/** A test of what `os new` writes or refuses: the same on every kernel, so it runs in the hw project only. */
const generation = kernel === 'hw' ? it : it.skip;

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'os-new-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

describe('os new component <dir>', () => {
  generation('makes a component package: manifest, construct, test on @os/testing, system.xml, README', () => {
    const dir = join(scratch, 'My_Ticker');
    const result = os('new', 'component', dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const made = ['.gitignore', 'README.md', 'component.mjs', 'package.json', 'system.xml', 'test/my_ticker.test.js'];
    expect(files(dir)).toEqual(made);
    expect(result.stdout).toContain(`os new: made the component package "my_ticker" in ${dir}:`);
    for (const file of made) expect(result.stdout).toContain(`  ${file}\n`);

    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'my_ticker',
      type: 'module',
      exports: { '.': './component.mjs' },
      scripts: { test: 'vitest run' },
      osComponent: {
        wire: WIRE_VERSION,
        type: 'native',
        requires: ['LOG', 'Timer', { service: 'ROM', label: 'config' }],
      },
    });
    const own = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8'));
    const runtime = JSON.parse(readFileSync(join(root, 'packages/runtime/package.json'), 'utf8'));
    expect(manifest.peerDependencies['@os/runtime']).toBe(`^${runtime.version}`);
    expect(manifest.devDependencies['@os/cli']).toBe(`^${own.version}`);
    expect(Object.keys(manifest.devDependencies).sort()).toEqual([
      '@os/cli',
      '@os/runtime',
      '@os/testing',
      '@os/timer',
      'vitest',
    ]);
    expect(readFileSync(join(dir, 'component.mjs'), 'utf8')).toContain('export async function construct(env)');
    const test = readFileSync(join(dir, 'test/my_ticker.test.js'), 'utf8');
    expect(test).toContain("import { runComponent } from '@os/testing';");
    expect(test).toContain("binary: 'my_ticker'");
    expect(readFileSync(join(dir, 'system.xml'), 'utf8')).toContain('<binary name="my_ticker"/>');
  });

  it('runs from the repository: os run <dir>/system.xml --virtual-time prints its ticks and exits 0', () => {
    const dir = join(scratch, 'ticker');
    expect(os('new', 'component', dir).code).toBe(0);
    const result = os('run', join(dir, 'system.xml'), '--virtual-time', '--kernel', kernel);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe([1, 2, 3].map((tick) => `[init -> ticker] tick ${tick}\n`).join(''));
    expect(result.code).toBe(0);
  });

  generation('takes a scoped name with --name; the start entry is named without the scope', () => {
    const dir = join(scratch, 'blink');
    expect(os('new', 'component', dir, '--name', '@acme/blink').code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name).toBe('@acme/blink');
    expect(files(dir)).toContain('test/blink.test.js');
    const result = os('run', join(dir, 'system.xml'), '--virtual-time', '--kernel', kernel);
    expect(result.stdout.split('\n')[0]).toBe('[init -> blink] tick 1');
    expect(result.code).toBe(0);
  });

  generation('refuses a name that is no npm package name, with exit code 1 and nothing written', () => {
    const dir = join(scratch, 'bad');
    const result = os('new', 'component', dir, '--name', 'Bad Name');
    expect(result.stderr).toMatch(/^os new: "Bad Name" is not an npm package name .*: give one with --name\n$/);
    expect(result.code).toBe(1);
    expect(exists(dir)).toBe(false);
  });
});

describe('os new system <dir>', () => {
  it('makes a system directory that os run runs: timer and a component, five ticks', () => {
    const dir = join(scratch, 'my-system');
    const made = os('new', 'system', dir);
    expect(made.code).toBe(0);
    expect(files(dir)).toEqual(['README.md', 'hello.mjs', 'system.xml']);
    expect(readFileSync(join(dir, 'system.xml'), 'utf8')).toContain('<start name="timer">');
    for (const target of [dir, join(dir, 'system.xml')]) {
      const result = os('run', target, '--virtual-time', '--kernel', kernel);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe([1, 2, 3, 4, 5].map((tick) => `[init -> hello] timer tick ${tick}\n`).join(''));
      expect(result.code).toBe(0);
    }
  });

  generation('writes into an empty directory', () => {
    const dir = join(scratch, 'empty');
    mkdirSync(dir);
    expect(os('new', 'system', dir).code).toBe(0);
    expect(files(dir)).toEqual(['README.md', 'hello.mjs', 'system.xml']);
  });
});

describe('os new: refusals (exit code 1, message on stderr, nothing written)', () => {
  generation('refuses a non-empty directory, naming what is in it', () => {
    const dir = join(scratch, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    for (const kind of ['component', 'system']) {
      const result = os('new', kind, dir);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `os new: ${dir} is not empty (notes.txt): give a new or an empty directory; nothing was written\n`,
      );
      expect(result.code).toBe(1);
      expect(files(dir)).toEqual(['notes.txt']);
    }
  });

  generation('refuses a file as target', () => {
    const file = join(scratch, 'file');
    writeFileSync(file, '');
    const result = os('new', 'system', file);
    expect(result.stderr).toBe(`os new: ${file} exists and is not a directory\n`);
    expect(result.code).toBe(1);
  });

  generation('refuses an unknown kind', () => {
    const result = os('new', 'server', join(scratch, 'x'));
    expect(result.stderr).toBe(
      'os new: unknown kind "server": use "os new component <dir>" or "os new system <dir>"\n',
    );
    expect(result.code).toBe(1);
    expect(exists(join(scratch, 'x'))).toBe(false);
  });
});
