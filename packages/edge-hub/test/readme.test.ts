import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const directory = resolve(import.meta.dirname, '..');

it("runs the README's example and prints what the README shows", () => {
  const readme = readFileSync(join(directory, 'README.md'), 'utf8');
  const example = /## Example[\s\S]*?```js\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/.exec(readme);
  expect(example).not.toBeNull();
  const [, code, expected] = example as RegExpExecArray;
  // in the package's directory, so that @os/* resolve as they do for a user who installed them
  const file = join(directory, 'readme-example.tmp.mjs');
  writeFileSync(file, code as string);
  try {
    expect(execFileSync('node', [file], { cwd: directory, encoding: 'utf8', timeout: 60_000 })).toBe(expected);
  } finally {
    rmSync(file, { force: true });
  }
}, 90_000);
