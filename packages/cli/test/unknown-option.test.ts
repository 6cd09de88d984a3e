// An unknown flag is named as typed, with the closest known flag when one is close, and nothing else
// (cac reported `Unknown option \`--virtulTime\``: camel-cased, and no suggestion).

import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { suggest } from '@os/runtime';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'packages/cli/dist/main.js');

function os(...args: string[]): { stderr: string; status: number | null } {
  const result = spawnSync('node', [main, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { stderr: result.stderr, status: result.status };
}

describe('an unknown flag', () => {
  it('is named as typed, with the closest known flag', () => {
    expect(os('run', 'apps/hello-timer', '--virtul-time')).toEqual({
      stderr: 'os: unknown option --virtul-time; did you mean --virtual-time? (os --help lists the options)\n',
      status: 1,
    });
    expect(os('run', 'apps/hello-timer', '--kernal=nova').stderr).toBe(
      'os: unknown option --kernal; did you mean --kernel? (os --help lists the options)\n',
    );
  });

  it('gets no suggestion when no known flag is close', () => {
    expect(os('run', 'apps/hello-timer', '--frobnicate')).toEqual({
      stderr: 'os: unknown option --frobnicate (os --help lists the options)\n',
      status: 1,
    });
  });
});

describe('suggest', () => {
  it('offers the closest candidate within a third of the length, else nothing', () => {
    expect(suggest('--virtul-time', ['--virtual-time', '--kernel', '--seed'])).toBe('--virtual-time');
    expect(suggest('Timr', ['Timer', 'LOG', 'ROM'])).toBe('Timer');
    expect(suggest('timer', ['Timer'])).toBe('Timer');
    expect(suggest('Nic', ['Timer', 'LOG', 'ROM'])).toBeUndefined();
    expect(suggest('anything', [])).toBeUndefined();
  });
});
