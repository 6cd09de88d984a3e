import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');

describe('the README', () => {
  it('shows example/deploy.mjs as it is, and what it prints when run against the built package', () => {
    const example = /```js example\/deploy\.mjs\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/.exec(readme);
    expect(example).not.toBeNull();
    const [, code, expected] = example as RegExpExecArray;
    expect(code).toBe(readFileSync(join(packageDir, 'example/deploy.mjs'), 'utf8'));
    const output = execFileSync(process.execPath, ['deploy.mjs'], {
      cwd: join(packageDir, 'example'),
      encoding: 'utf8',
    });
    expect(output).toBe(expected);
  });
});
