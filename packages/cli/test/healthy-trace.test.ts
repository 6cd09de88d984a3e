// A healthy system's kernel trace holds no faults: a fault entry is a kernel operation that failed
// in some thread, which a system that runs as intended never causes (hello-timer's trace on hw used
// to hold one: the starter signal handler dissolves its own context, and the acknowledgement after
// the asynchronous construct found the selector reused for an RPC object).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'packages/cli/dist/main.js');
const kernel = kernelUnderTest().name;
const directory = mkdtempSync(join(tmpdir(), 'os-healthy-trace-'));

afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The trace entries of `os run <target> --virtual-time` on the kernel under test, after checking it exited 0. */
function trace(target: string): { op: string; pd?: string; args?: { detail?: string } }[] {
  const file = join(directory, `${target.replaceAll('/', '-')}.jsonl`);
  const result = spawnSync('node', [main, 'run', target, '--virtual-time', '--kernel', kernel, '--trace', file], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { op: string });
}

describe(`a healthy system's kernel trace on ${kernel}`, () => {
  for (const target of ['apps/hello-timer', 'apps/guide/system.xml']) {
    it(`${target}: every operation, no fault`, () => {
      const entries = trace(target);
      expect(entries.length).toBeGreaterThan(100);
      expect(entries.filter((entry) => entry.op === 'fault')).toEqual([]);
    });
  }
});
