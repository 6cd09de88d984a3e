// A system that can no longer make progress says who waits on what and exits 2, on real time as on
// virtual time (on real time Node used to end the process with code 13 and no word: an unsettled
// top-level await when the event loop emptied).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'packages/cli/dist/main.js');
const kernel = kernelUnderTest().name;
const directory = mkdtempSync(join(tmpdir(), 'os-stall-'));

writeFileSync(
  join(directory, 'system.xml'),
  `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="lazy"> <binary name="./lazy.mjs"/> <provides> <service name="Echo"/> </provides> </start>
  <start name="client"> <binary name="./client.mjs"/> </start>
</config>
`,
);
writeFileSync(join(directory, 'lazy.mjs'), 'export function construct(env) {}\n');
writeFileSync(
  join(directory, 'client.mjs'),
  `import { Connection } from '@os/session';
import { codec, defineInterface, method } from '@os/rpc';
const Echo = defineInterface('Echo', { echo: method([codec.u32], codec.u32) });
export async function construct(env) {
  await env.log('asking for Echo');
  await Connection.openSession(env, Echo, { service: 'Echo', ram: 4096, caps: 2 });
}
`,
);

afterAll(() => rmSync(directory, { recursive: true, force: true }));

const WAITS = [
  '  init waits for child "lazy" to announce "Echo" (requested by "client")',
  '  client waits for a "Echo" session (label "") from its parent',
];

describe(`a stalled system on ${kernel}`, () => {
  it('on real time: says nothing can happen any more, lists who waits on what, exits 2', () => {
    const result = spawnSync('node', [main, 'run', join(directory, 'system.xml'), '--kernel', kernel], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stdout).toBe('[init -> client] asking for Echo\n');
    expect(result.stderr.split('\n')).toEqual([
      'os run: nothing can happen any more: no timer is armed, no call or signal is pending, and no component has ' +
        'exited',
      ...WAITS,
      '',
    ]);
    expect(result.status).toBe(2);
  });

  it('on virtual time: the same, at the virtual instant it stalled', () => {
    const result = spawnSync(
      'node',
      [main, 'run', join(directory, 'system.xml'), '--kernel', kernel, '--virtual-time'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(result.stderr.split('\n')).toEqual([
      'os run: nothing can happen any more at virtual time 0 us: no timer is armed, no call or signal is pending, ' +
        'and no ' +
        'component has exited',
      ...WAITS,
      '',
    ]);
    expect(result.status).toBe(2);
  });
});
