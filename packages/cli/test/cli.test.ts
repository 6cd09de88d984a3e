import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'packages/cli/dist/main.js');
const fixtures = join(root, 'packages/cli/test/fixtures');

function os(...args: string[]) {
  const result = spawnSync('node', [main, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('os run', () => {
  it('runs apps/hello-timer on virtual time: five ticks, labelled, exit 0', () => {
    const result = os('run', 'apps/hello-timer', '--virtual-time');
    expect(result.stdout).toBe([1, 2, 3, 4, 5].map((tick) => `[init -> hello] timer tick ${tick}\n`).join(''));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('gives the same output for the same seed', () => {
    expect(os('run', 'apps/hello-timer', '--virtual-time', '--seed', '42').stdout).toBe(os('run', 'apps/hello-timer', '--virtual-time', '--seed', '42').stdout);
  });

  it('ends with 124 when --timeout passes first (real time)', () => {
    const result = os('run', 'apps/hello-timer', '--timeout', '0.3');
    expect(result.code).toBe(124);
    expect(result.stderr).toBe('os run: --timeout of 0.3 s reached\n');
  });

  it('ends with 2 when nothing can happen any more on virtual time', () => {
    const result = os('run', join(fixtures, 'stall.mjs'), '--virtual-time');
    expect(result.stdout).toBe('[waiter] waiting forever\n');
    expect(result.stderr).toMatch(/^os run: nothing can happen any more at virtual time 0 us/);
    expect(result.code).toBe(2);
  });

  it('lists who waits on what when a session request can never be answered', () => {
    const result = os('run', join(fixtures, 'stall-route.mjs'), '--virtual-time');
    expect(result.stdout).toBe('[init -> client] asking for Echo\n');
    expect(result.stderr).toBe(
      [
        'os run: nothing can happen any more at virtual time 0 us: no timer is armed, no call or signal is pending, and no component has exited',
        '  init waits for child "lazy" to announce "Echo" (requested by "client")',
        '  client waits for a "Echo" session (label "") from its parent',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(2);
  });

  it('serves the files of a system directory as boot modules: ROMs by name, binaries by module file', () => {
    const result = os('run', join(fixtures, 'modules'), '--virtual-time');
    expect(result.stdout).toBe('[init -> greeter] hello from a boot module (1)\n[init -> greeter] hello from a boot module (2)\n');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(7);
  });

  it('ends with 1 and a message naming the problem for bad targets, kernels and flags', () => {
    expect(os('run', 'apps/nope')).toMatchObject({ code: 1, stderr: 'os run: target "apps/nope" does not exist\n' });
    expect(os('run', 'packages')).toMatchObject({ code: 1 });
    expect(os('run', 'packages').stderr).toMatch(/is a directory without a system module/);
    expect(os('run', join(fixtures, 'broken-module.mjs')).stderr).toMatch(/does not export a system/);
    expect(os('run', 'apps/hello-timer', '--kernel', 'sel4')).toMatchObject({ code: 1, stderr: 'os run: unknown kernel "sel4"; available: hw\n' });
    expect(os('run', 'apps/hello-timer', '--seed', 'x').stderr).toBe('os run: --seed must be an integer, got NaN\n');
    expect(os('frobnicate').code).toBe(1);
  });

  it('--trace writes one JSON object per kernel operation, with virtual time and the kernel own call names', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'os-trace-')), 'trace.jsonl');
    expect(os('run', 'apps/hello-timer', '--virtual-time', '--trace', file).code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { t: number; kernel: string; op: string; pd: string });
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.every((line) => line.kernel === 'hw' && typeof line.t === 'number' && typeof line.pd === 'string')).toBe(true);
    const ops = new Set(lines.map((line) => line.op));
    for (const op of ['new_pd', 'new_thread', 'new_obj', 'rpc_call', 'rpc_reply_and_wait', 'timeout']) expect(ops).toContain(op);
    expect(lines.at(-1)?.t).toBe(5_000_000);
  });

  it('--help names the command, every flag and the exit codes', () => {
    const help = os('run', '--help').stdout;
    for (const text of ['--kernel', '--virtual-time', '--seed', '--trace', '--timeout', '124']) expect(help).toContain(text);
  });
});
