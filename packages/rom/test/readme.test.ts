import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';

const packageDir = resolve(import.meta.dirname, '..');

describe('README', () => {
  // The example boots on hw by itself, so one kernel's run is enough. It imports @os/rom by name: it
  // runs from inside the package (Node resolves a package's own name), against the built dist.
  it.runIf(kernelUnderTest().name === 'hw')('the example runs and prints exactly the output the README shows', () => {
    const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/.exec(readme);
    expect(example, 'README has a js example followed by its output').not.toBeNull();
    const [, code, expected] = example as RegExpExecArray;
    const scratch = join(packageDir, 'dist', 'temp');
    mkdirSync(scratch, { recursive: true });
    writeFileSync(join(scratch, 'readme-example.mjs'), code as string);
    expect(execFileSync('node', ['readme-example.mjs'], { cwd: scratch, encoding: 'utf8' })).toBe(expected);
  });
});
