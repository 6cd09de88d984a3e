import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'packages/cli/dist/main.js');

describe(`the newcomer's guide system on ${kernelUnderTest().name}`, () => {
  it('prints what the guide in @os/init README says, exits 0, and leaves the state report it shows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-guide-'));
    try {
      const state = join(dir, 'state.xml');
      const result = spawnSync(
        'node',
        [main, 'run', 'apps/guide/system.xml', '--virtual-time', '--state', state, '--kernel', kernelUnderTest().name],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(
        [
          '[init -> logger] created LOG service',
          '[init -> logger] [ticker] tick 1 at 500 ms',
          '[init -> logger] [ticker] tick 2 at 1000 ms',
          '[init -> logger] [ticker] tick 3 at 1500 ms',
          '',
        ].join('\n'),
      );
      expect(result.status).toBe(0);
      const report = readFileSync(state, 'utf8');
      expect(
        [
          ...report.matchAll(
            new RegExp(
              /<child name="([^"]+)" binary="([^"]+)">\n {4}<ram assigned="1M" quota="\d+K" /.source +
                /used="\d+K?" avail="\d+K"\/>/.source,
              'g',
            ),
          ),
        ].map((match) => match[1]),
      ).toEqual(['timer', 'logger', 'ticker']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
