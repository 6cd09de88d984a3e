import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bootDirectory } from './boot-directory.js';

const escapes = fileURLToPath(new URL('./fixtures/escapes/', import.meta.url));

describe('a confined component', () => {
  it('gets an error for every escape it tries, and the system keeps running', async () => {
    const { exit, lines } = await bootDirectory(escapes, 'system.xml');
    const escaper = lines.filter((line) => line.startsWith('[init -> escaper]'));
    expect(escaper).toEqual([
      '[init -> escaper] escape process: blocked',
      '[init -> escaper] escape globalThis.process: blocked',
      '[init -> escaper] escape require: blocked',
      '[init -> escaper] escape Function constructor: blocked',
      '[init -> escaper] escape indirect eval: blocked',
      '[init -> escaper] escape setTimeout: blocked',
      '[init -> escaper] escape Date.now: blocked (TypeError)',
      '[init -> escaper] escape Array.prototype: blocked (TypeError)',
      '[init -> escaper] escape Env.prototype: blocked (TypeError)',
      '[init -> escaper] escape kernel through env: blocked',
      '[init -> escaper] escape import node:fs: blocked (TypeError)',
      '[init -> escaper] escape import child_process: blocked (TypeError)',
      '[init -> escaper] escape import @os/kernel-hw: blocked (ConfinementError)',
      '[init -> escaper] still running',
    ]);
    // the sibling runs to its end and propagates its exit; nothing leaked into it
    expect(lines.filter((line) => line.startsWith('[init -> sibling]'))).toEqual([
      '[init -> sibling] sibling tick 1',
      '[init -> sibling] sibling tick 2',
      '[init -> sibling] sibling tick 3',
    ]);
    expect(exit).toBe(0);
  });

  it('that imports a Node built-in statically fails to start with a message naming it; the others run', async () => {
    const { lines } = await bootDirectory(escapes, 'system.xml');
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          /^\[init -> static-import\] Error: static-import: construct failed: ConfinementError: /.source +
            /"static-import" imports the Node built-in "node:fs": a confined component reaches the /.source +
            /system only through its sessions/.source,
        ),
      ),
    );
  });

  it('gets its own module instance: two components of one binary share no state', async () => {
    const { lines } = await bootDirectory(escapes, 'system.xml');
    expect(lines).toContain('[init -> counter-a] instance 1');
    expect(lines).toContain('[init -> counter-b] instance 1');
  });

  it('may run unconfined when the integrator says so: then it shares one module instance', async () => {
    const { lines } = await bootDirectory(escapes, 'system.xml', ['./counter.mjs']);
    const counts = lines.filter((line) => /\[init -> counter-[ab]\] instance/.test(line)).map((line) => line.slice(-1));
    expect(counts.sort()).toEqual(['1', '2']);
  });
});

describe('a confined module with top-level await', () => {
  it('fails to start with an error that says confinement cannot run it', async () => {
    const { lines } = await bootDirectory(escapes, 'tla.xml');
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          /^\[init -> tla\] Error: tla: construct failed: ConfinementError: module /.source +
            /\/.*\/top-level-await\.mjs:1:18 uses top-level await, which a confined component cannot /.source +
            /run/.source,
        ),
      ),
    );
  });

  it('runs unconfined', async () => {
    const { lines } = await bootDirectory(escapes, 'tla.xml', ['./top-level-await.mjs']);
    expect(lines).toContain('[init -> tla] hello');
  });
});
