// A run on real time that logs nothing for a while says that it is running, once, on stderr: a user
// otherwise cannot tell a slow system from a hung command.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'packages/cli/dist/main.js');
const kernel = kernelUnderTest().name;
const directory = mkdtempSync(join(tmpdir(), 'os-quiet-'));
const system = join(directory, 'system.xml');

writeFileSync(
  system,
  `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
  <start name="slow"> <binary name="./slow.mjs"/> <exit propagate="yes"/> </start>
</config>
`,
);
writeFileSync(
  join(directory, 'slow.mjs'),
  `import { Timer } from '@os/timer';
export async function construct(env) {
  const timer = await Timer.Connection.open(env);
  await timer.msleep(4000);
  await env.log('awake');
  await env.parent.exit(0);
}
`,
);

afterAll(() => rmSync(directory, { recursive: true, force: true }));

// the message does not depend on the kernel: one kernel is enough for a test that takes 4 s of wall time
const onOneKernel = kernel === 'hw' ? it : it.skip;

describe('a run on real time that logs nothing for 3 s', () => {
  onOneKernel('says once that it is running, then goes on', () => {
    const result = spawnSync('node', [main, 'run', system, '--kernel', kernel], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe(`os run: ${system} is running on hw; nothing logged in 3 s (Ctrl-C ends it)\n`);
    expect(result.stdout).toBe('[init -> slow] awake\n');
    expect(result.status).toBe(0);
  });

  onOneKernel('says nothing on virtual time, where the same 4 s pass at once', () => {
    const result = spawnSync('node', [main, 'run', system, '--kernel', kernel, '--virtual-time'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('[init -> slow] awake\n');
  });
});
