// A start entry too small for what its component spends before construct runs is warned about before
// boot, with the file, the line, the amounts in units and why; and the figure warned about is exact.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MODULE_START_QUOTA } from '@os/loader';
import { kernelUnderTest } from '@os/test-kernels';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'packages/cli/dist/main.js');
const kernel = kernelUnderTest().name;
const directory = mkdtempSync(join(tmpdir(), 'os-start-quota-'));
writeFileSync(join(directory, 'idle.mjs'), "export async function construct(env) { await env.log('constructed'); }\n");

afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** `os run` of one component with `caps` and `ram` (bytes) on virtual time. */
function run(caps: number, ram: number): { stdout: string; stderr: string } {
  const file = join(directory, `system-${caps}-${ram}.xml`);
  writeFileSync(
    file,
    `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <start name="idle" caps="${caps}" ram="${ram}"> <binary name="./idle.mjs"/> <config/> </start>
</config>
`,
  );
  const result = spawnSync('node', [main, 'run', file, '--virtual-time', '--kernel', kernel], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { stdout: result.stdout, stderr: result.stderr };
}

describe(`a start entry's quota against what its component spends at start, on ${kernel}`, () => {
  const { ram, caps } = MODULE_START_QUOTA;

  it('exactly MODULE_START_QUOTA: no warning, and the component constructs', () => {
    const result = run(caps, ram);
    expect(result.stdout).toBe('[init -> idle] constructed\n');
    expect(result.stderr).not.toContain('Warning');
  });

  it(
    'one capability less: warned before boot with file, line, amounts and why; hw (which needs the most) cannot ' +
      'start it',
    () => {
      const result = run(caps - 1, ram);
      expect(result.stderr).toContain(
        `os run: Warning: ${directory}/system-${caps - 1}-${ram}.xml:4: <start name="idle">: ` +
          `caps="${caps - 1}" is less than the ${caps} capabilities a component loaded from a file needs at start ` +
          '(its signal contexts, its LOG session and the config ROM session the loader opens): ' +
          `give it at least caps="${caps}", or it asks init for more and waits`,
      );
      if (kernel === 'hw') expect(result.stdout).not.toContain('constructed');
    },
  );

  it('three capabilities less: at run time it asks init for more on every kernel', () => {
    const result = run(caps - 3, ram);
    expect(result.stdout).toContain('[init] child "idle" requests resources: cap_quota=');
    expect(result.stdout).not.toContain('constructed');
  });

  it('4K of RAM less: warned with sizes in units; at run time it asks init for RAM', () => {
    const result = run(caps, ram - 4096);
    expect(result.stderr).toContain(
      '<start name="idle">: ram="60K" is less than the 64K a component loaded from a file needs at start ' +
        '(the config ROM session the loader opens before construct): ' +
        'give it at least ram="64K", or it asks init for more and waits',
    );
    expect(result.stdout).toContain('[init] child "idle" requests resources: ram_quota=');
    expect(result.stdout).not.toContain('constructed');
  });
});
