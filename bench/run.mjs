// `pnpm bench`: IPC cost against floors measured in the same run; writes bench/results.json.
import { writeFileSync } from 'node:fs';
import { awaitedCall, messageChannel, mediatedMinimal, plainCall, sinkValue } from './floors.mjs';
import { measureAsync, measureSync } from './measure.mjs';
import { rpcBenchSystem } from './rpc-fixture.mjs';
import { createHwKernel } from '@os/kernel-hw';
import { createNovaKernel } from '@os/kernel-nova';
import { createSel4Kernel } from '@os/kernel-sel4';
import { sessionBench, signalBench, virtualHour } from './system-cases.mjs';

const quick = process.argv.includes('--quick');
const options = quick ? { samples: 5, minMs: 10 } : {};

const results = new Map();

results.set('floor.plain-call', measureSync(plainCall(), options));
results.set('floor.mediated-minimal', measureSync(mediatedMinimal(), options));
results.set('floor.await', await measureAsync(awaitedCall(), options));
const channel = messageChannel();
results.set('floor.message-channel', await measureAsync(channel.run, options));
channel.close();

const kernels = { hw: createHwKernel, nova: createNovaKernel, sel4: createSel4Kernel };
const payload = new Uint8Array(64).fill(1);
for (const [name, factory] of Object.entries(kernels)) {
  const { client, passed } = rpcBenchSystem(factory);
  results.set(`rpc.null.${name}`, await measureAsync(() => client.nothing(), options));
  results.set(`rpc.payload64.${name}`, await measureAsync(() => client.exchange(payload), options));
  results.set(`rpc.cap.${name}`, await measureAsync(() => client.pass(passed), options));
  results.set(`signal.${name}`, await measureAsync(signalBench(factory), options));
  results.set(`session.${name}`, await measureAsync(await sessionBench(factory), options));
}
results.set('virtual.hour', await virtualHour(quick ? 1 : 3));
if (sinkValue() === 0.5) console.log('unreachable');

const plain = results.get('floor.plain-call');
const channelNs = results.get('floor.message-channel');
const targets = { 'virtual.hour': { limit: 1e9, of: null, text: '< 1 s' } };
for (const name of Object.keys(kernels)) {
  targets[`rpc.null.${name}`] = { limit: 20, of: 'floor.plain-call', text: '<= 20x plain call' };
  targets[`rpc.payload64.${name}`] = { limit: 2, of: `rpc.null.${name}`, text: `<= 2x rpc.null.${name}` };
  targets[`rpc.cap.${name}`] = { limit: 4, of: `rpc.null.${name}`, text: `<= 4x rpc.null.${name}` };
  targets[`session.${name}`] = { limit: 20_000, of: null, text: '< 20 us' };
}

const cases = [...results].map(([name, ns]) => ({
  name,
  ns: Number(ns.toFixed(2)),
  vs: { 'plain-call': Number((ns / plain).toFixed(2)), 'message-channel': Number((ns / channelNs).toFixed(4)) },
}));

console.log(`node ${process.version}${quick ? ' (quick run: fewer samples)' : ''}`);
console.log('case                            ns/op     x plain   x channel  target');
for (const entry of cases) {
  const target = targets[entry.name];
  let mark = '';
  if (target !== undefined) {
    if (target.of === null) {
      const ns = results.get(entry.name);
      const shown = ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(1)} us`;
      mark = `${target.text}: ${shown} ${ns <= target.limit ? 'pass' : 'MISS'}`;
    } else {
      const ratio = results.get(entry.name) / results.get(target.of);
      mark = `${target.text}: ${ratio.toFixed(2)}x ${ratio <= target.limit ? 'pass' : 'MISS'}`;
    }
  }
  console.log(
    `${entry.name.padEnd(24)}${entry.ns.toFixed(1).padStart(14)}${entry.vs['plain-call'].toFixed(1).padStart(12)}${entry.vs['message-channel'].toFixed(3).padStart(12)}  ${mark}`,
  );
}

const file = new URL('./results.json', import.meta.url);
writeFileSync(file, `${JSON.stringify({ node: process.version, cases }, null, 2)}\n`);
console.log(`\nwritten to bench/results.json`);
