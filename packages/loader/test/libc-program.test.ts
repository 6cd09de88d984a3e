import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '@os/kernel';
import { init } from '@os/init';
import { BinaryLoader, hardenRealm } from '../src/index.js';
import { boot } from '@os/runtime/host';
import { timerDriver } from '@os/timer';
import { kernelUnderTest } from '@os/test-kernels';

const fixtures = fileURLToPath(new URL('./fixtures/program/', import.meta.url));

async function run(config: string): Promise<{ readonly exit: number | Error; readonly lines: readonly string[] }> {
  await hardenRealm();
  const roms = new Map<string, Uint8Array>();
  for (const name of readdirSync(fixtures))
    if (statSync(join(fixtures, name)).isFile()) roms.set(name, new Uint8Array(readFileSync(join(fixtures, name))));
  roms.set('config', new Uint8Array(readFileSync(join(fixtures, config))));
  const loader = new BinaryLoader({ directory: fixtures, builtins: { init, timer: timerDriver } });
  const system = await boot(
    { init: 'init', binaries: loader.resolve, roms },
    { kernel: kernelUnderTest().factory, clock: new VirtualClock(1) },
  );
  const exit = await system.exit.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  return { exit, lines: system.lines.filter((line) => !line.startsWith('[init -> timer]')) };
}

describe('a Node program under the libc shim', () => {
  it(
    'gets console, fs, timers, Date, argv and env from its sessions and config, and exits with ' + 'process.exitCode',
    async () => {
      const { exit, lines } = await run('system.xml');
      expect(lines).toEqual([
        '[init -> app] argv --verbose x',
        '[init -> app] env K = V',
        '[init -> app] data: hello from a ROM',
        '[init -> app] tmp: out.txt written',
        '[init -> app] writing a ROM: EROFS',
        '[init -> app] date: 2026-01-01T00:00:00.000Z',
        '[init -> app] timeout after 250 ms at 2026-01-01T00:00:00.250Z',
        '[init -> app] async read: hello from a ROM',
      ]);
      expect(exit).toBe(3);
    },
  );

  it('ends at process.exit(n) with n; nothing after it runs', async () => {
    const { exit, lines } = await run('exit.xml');
    expect(lines).toEqual(['[init -> exit] before exit']);
    expect(exit).toBe(7);
  });

  it('ends with exit value 1 and a LOG line naming an uncaught exception', async () => {
    const { exit, lines } = await run('throws.xml');
    expect(lines).toEqual([
      '[init -> throws] tick',
      '[init -> throws] tick',
      '[init -> throws] tick',
      '[init -> throws] Error: uncaught exception: RangeError: the program gave up',
    ]);
    expect(exit).toBe(1);
  });

  it('gets ENOSPC when its RAM file system uses up its RAM quota, and the file keeps what was written', async () => {
    const { exit, lines } = await run('fill.xml');
    expect(lines).toHaveLength(1);
    const match = /^\[init -> fill\] stopped by ENOSPC after (\d+) bytes; the file holds (\d+)$/.exec(
      lines[0] as string,
    );
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBeGreaterThan(0);
    expect(Number(match?.[1])).toBeLessThan(1024 * 1024);
    expect(match?.[2]).toBe(match?.[1]);
    expect(exit).toBe(0);
  });

  it(
    'that awaits at its top level (inside an argument) is refused with a ConfinementError naming file, line and ' +
      'column',
    async () => {
      const { exit, lines } = await run('tla.xml');
      expect(lines).toEqual([
        expect.stringMatching(
          new RegExp(
            /^\[init -> tla\] Error: uncaught exception: ConfinementError: module /.source +
              /\/.*\/tla\.mjs:4:30 uses top-level await, which a confined component cannot run /.source,
          ),
        ),
        expect.stringMatching(
          /^\[init -> tla\] .*a libc program can wrap its code in an async function and call it\)$/,
        ),
      ]);
      expect(lines.join('')).not.toContain('confined="no"');
      expect(exit).toBe(1);
    },
  );

  it('cannot import a Node built-in the shim does not offer', async () => {
    const { exit, lines } = await run('net.xml');
    // the message is longer than one LOG write takes (Genode's 232 characters): its rest follows on a second line
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          /^\[init -> net\] Error: uncaught exception: ConfinementError: "net" imports the Node /.source +
            /built-in "node:child_process": a confined component reaches the system only through its sessions; /
              .source +
            /the libc shim offers fs, /.source,
        ),
      ),
      expect.stringMatching(
        /^\[init -> net\] .*other Node built-ins \(child_process, http, os, \.\.\.\) are not there/,
      ),
    ]);
    expect(exit).toBe(1);
  });
});
