import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RomModuleNameError, RomModules, romServer } from '../src/index.js';
import { romModulesFromDirectory, watchRomDirectory } from '../src/host.js';
import { bootInit, clientChild, consumer, routesTo } from './fixtures.js';

const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

/** Resolves at the first change of `modules` that `wanted` accepts; fails after 5 s of real time. */
function change(modules: RomModules, wanted: (name: string, content: string | undefined) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      stop();
      reject(new Error('no such change within 5 s'));
    }, 5000);
    const stop = modules.onChange((name, content) => {
      if (!wanted(name, text(content))) return;
      clearTimeout(timeout);
      stop();
      resolve();
    });
  });
}

const scratch: string[] = [];

function directory(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'os-rom-'));
  scratch.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('RomModules', () => {
  it('holds named modules: text as UTF-8, copies in and out, names sorted', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const modules = new RomModules({ motd: 'grüß dich', blob: bytes });
    bytes[0] = 9;
    expect(modules.names()).toEqual(['blob', 'motd']);
    expect(text(modules.get('motd'))).toBe('grüß dich');
    expect([...(modules.get('blob') as Uint8Array)]).toEqual([1, 2, 3]);
    (modules.get('blob') as Uint8Array)[0] = 7;
    expect([...(modules.get('blob') as Uint8Array)]).toEqual([1, 2, 3]);
    expect(modules.delete('blob')).toBe(true);
    expect(modules.delete('blob')).toBe(false);
    expect(modules.has('blob')).toBe(false);
    expect(modules.get('blob')).toBeUndefined();
  });

  it('tells listeners of every set and delete until they stop listening', () => {
    const modules = new RomModules();
    const seen: string[] = [];
    const stop = modules.onChange((name, content) => seen.push(`${name}=${text(content) ?? '(deleted)'}`));
    modules.set('a', 'one');
    modules.set('a', 'two');
    modules.delete('a');
    modules.delete('a');
    stop();
    modules.set('a', 'three');
    expect(seen).toEqual(['a=one', 'a=two', 'a=(deleted)']);
  });

  it('refuses names no session label could select', () => {
    const modules = new RomModules();
    expect(() => modules.set('', 'x')).toThrow(RomModuleNameError);
    expect(() => modules.set('a -> b', 'x')).toThrow(
      'ROM module name "a -> b" contains " -> ", which a session label\'s last element never does; rename the module',
    );
    expect(() => new RomModules({ '': 'x' })).toThrow(
      "a ROM module needs a non-empty name (sessions select modules by their label's last element)",
    );
  });

  it('romModulesFromDirectory reads each regular file as a module named by its file name', async () => {
    const dir = directory({ 'motd.txt': 'hello', config: '<config/>' });
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'hidden'), 'not a module');
    const modules = await romModulesFromDirectory(dir);
    expect(modules.names()).toEqual(['config', 'motd.txt']);
    expect(text(modules.get('motd.txt'))).toBe('hello');
  });

  it(
    'watchRomDirectory follows the directory: new and changed files are set, removed ones deleted, until ' + 'stopped',
    async () => {
      const dir = directory({ motd: 'v1' });
      const modules = new RomModules({ kept: 'set by code' });
      const first = change(modules, (name, content) => name === 'motd' && content === 'v1');
      const stop = watchRomDirectory(modules, dir);
      try {
        await first;
        const added = change(modules, (name, content) => name === 'news' && content === 'fresh');
        writeFileSync(join(dir, 'news'), 'fresh');
        await added;
        const changed = change(modules, (name, content) => name === 'motd' && content === 'v2');
        writeFileSync(join(dir, 'motd'), 'v2');
        await changed;
        const removed = change(modules, (name, content) => name === 'news' && content === undefined);
        rmSync(join(dir, 'news'));
        await removed;
      } finally {
        stop();
      }
      writeFileSync(join(dir, 'motd'), 'after stop');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(modules.names()).toEqual(['kept', 'motd']);
      expect(text(modules.get('motd'))).toBe('v2');
    },
  );

  it('romServer serves the files of a directory to a booted system', async () => {
    const modules = await romModulesFromDirectory(directory({ motd: 'served from a file' }));
    const system = await bootInit(
      [
        { name: 'files', ram: 1 << 20, caps: 100, provides: ['ROM'] },
        clientChild('client', routesTo({ ROM: 'files', Timer: 'timer' })),
      ],
      { files: romServer(modules), client: consumer({ rom: 'motd', versions: 1 }) },
    );
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual(['[init -> client] motd: served from a file']);
  });
});
