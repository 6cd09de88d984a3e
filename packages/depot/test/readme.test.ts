import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('the README', () => {
  it('has a js example that runs against the built package and prints what the README shows', () => {
    const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/.exec(readme);
    expect(example).not.toBeNull();
    const [, code, expected] = example as RegExpExecArray;
    const project = mkdtempSync(join(tmpdir(), 'os-depot-readme-'));
    mkdirSync(join(project, 'node_modules/@os'), { recursive: true });
    symlinkSync(packageDir, join(project, 'node_modules/@os/depot'));
    writeFileSync(join(project, 'example.mjs'), code as string);
    expect(execFileSync(process.execPath, ['example.mjs'], { cwd: project, encoding: 'utf8' })).toBe(expected);
  });

  it('shows the lines os depot prints, as the command tests expect them', () => {
    const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
    expect(readme).toContain(
      'pubkey: depot/gapstage/pubkey\nprivate key: keys/gapstage.key\n' +
        'publish depot/gapstage/bin/js/http_server/2023-01-01.tar.gz\n' +
        'publish depot/gapstage/pkg/http_server/2023-01-01.tar.gz\ndepot: http://127.0.0.1:8080/\n',
    );
  });
});
