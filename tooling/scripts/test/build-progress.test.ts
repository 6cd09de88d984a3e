import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const scripts = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

describe('the root scripts that build first', () => {
  it('name the turbo build with a log mode that prints a line per package (a 40 s build is never silent)', () => {
    const building = Object.entries(scripts).filter(([, command]) => command.includes('turbo run build'));
    expect(building.map(([name]) => name)).toEqual(expect.arrayContaining(['start', 'bench', 'test:publish']));
    for (const [name, command] of building) {
      if (name === 'build') continue;
      expect(`${name}: ${command}`).toContain('--output-logs=hash-only');
    }
  });

  it("print each package's task as turbo runs it, in the mode pnpm start uses", () => {
    const output = execFileSync(
      'npx',
      ['turbo', 'run', 'build', '--filter=@os/capability', '--output-logs=hash-only'],
      { cwd: root, encoding: 'utf8', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0' } },
    );
    expect(output).toMatch(/@os\/capability:build: cache (hit|miss)/);
  });
});
