// One scale case in a process of its own (a confined boot hardens the whole realm, and the heap is
// measured without the other cases' garbage): `node --expose-gc bench/boot-case.mjs <N> <kind>`,
// kind `builtin` (a module object), `unconfined` or `confined` (a module file). Prints one JSON line:
// { n, kind, ns } for booting N idle components under one init until all are constructed, and the
// heap (and ArrayBuffer memory) each idle component holds once the system is up.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initConfigSystem } from '@os/cli';
import { VirtualClock } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { hardenRealm } from '@os/loader';
import { boot } from '@os/runtime/host';

const n = Number(process.argv[2]);
const kind = process.argv[3];
if (!Number.isSafeInteger(n) || n < 1 || !['builtin', 'unconfined', 'confined'].includes(kind)) {
  throw new Error('usage: node --expose-gc bench/boot-case.mjs <N> builtin|unconfined|confined');
}
if (typeof globalThis.gc !== 'function')
  throw new Error('run with --expose-gc: the heap figure needs a full collection before and after');

const directory = mkdtempSync(join(tmpdir(), 'os-boot-case-'));
writeFileSync(join(directory, 'idle.mjs'), 'export function construct(env) {}\n');
const binary =
  kind === 'builtin'
    ? '<binary name="idle"/>'
    : `<binary name="./idle.mjs"${kind === 'unconfined' ? ' confined="no"' : ''}/>`;
const starts = Array.from({ length: n }, (_, index) => `  <start name="c${index}">${binary}<config/></start>`);
const config = `<config>
  <parent-provides> <service name="LOG"/> <service name="PD"/> <service name="ROM"/> </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <default caps="40" ram="128K"/>
${starts.join('\n')}
</config>`;

if (kind === 'confined') await hardenRealm();
const idle = { construct() {} };
const description = initConfigSystem(config, {
  directory,
  origin: 'boot-case.xml',
  builtins: { idle, init: (await import('@os/init')).init },
  machine: { ram: 2 ** 40, caps: 2 ** 30 },
});
const system = description;

const memory = () => {
  globalThis.gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, buffers: usage.arrayBuffers };
};
const before = memory();
const start = process.hrtime.bigint();
const handle = await boot(system, { kernel: createHwKernel, clock: new VirtualClock(1) });
// all constructed: on virtual time the system then has nothing left to do, which boot reports as a stall
const end = await handle.exit.then(
  (value) => `exited with ${value}`,
  (error) => (error.code === 'ERR_OS_SYSTEM_STALLED' ? 'stalled' : error),
);
const ns = Number(process.hrtime.bigint() - start);
// an idle system waits on nothing: a component still waiting (for resources, a session) was not constructed
const waits = handle.core.waits.describe();
if (end !== 'stalled' || waits.length > 0) {
  const why =
    end instanceof Error
      ? end.message
      : end === 'stalled'
        ? `idles with ${waits.length} waiting, e.g. ${waits[0]}`
        : `${end}`;
  throw new Error(
    `boot-case: the system of ${n} ${kind} components did not idle with every component constructed: ${why}; last ` +
      `lines: ${handle.lines.slice(-3).join(' | ')}`,
  );
}
const after = memory();
rmSync(directory, { recursive: true, force: true });
console.log(
  JSON.stringify({
    n,
    kind,
    ns,
    heapPerComponent: (after.heap - before.heap) / n,
    buffersPerComponent: (after.buffers - before.buffers) / n,
  }),
);
