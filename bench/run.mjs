// `pnpm bench`: IPC cost against floors measured in the same run; writes bench/results.json.
import { writeFileSync } from 'node:fs';
import { awaitedCall, messageChannel, mediatedMinimal, plainCall, sinkValue } from './floors.mjs';
import { measureAsync, measureSync } from './measure.mjs';
import { rpcBenchSystem } from './rpc-fixture.mjs';
import { createHwKernel } from '@os/kernel-hw';
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

const { client, passed } = rpcBenchSystem();
const payload = new Uint8Array(64).fill(1);
results.set('rpc.null.hw', await measureAsync(() => client.nothing(), options));
results.set('rpc.payload64.hw', await measureAsync(() => client.exchange(payload), options));
results.set('rpc.cap.hw', await measureAsync(() => client.pass(passed), options));
results.set('signal.hw', await measureAsync(signalBench(), options));
results.set('session.hw', await measureAsync(await sessionBench(createHwKernel), options));
results.set('virtual.hour', await virtualHour(quick ? 1 : 3));
if (sinkValue() === 0.5) console.log('unreachable');

const plain = results.get('floor.plain-call');
const channelNs = results.get('floor.message-channel');
const targets = {
  'rpc.null.hw': { limit: 20, of: 'floor.plain-call', text: '<= 20x plain call' },
  'rpc.payload64.hw': { limit: 2, of: 'rpc.null.hw', text: '<= 2x rpc.null.hw' },
  'rpc.cap.hw': { limit: 4, of: 'rpc.null.hw', text: '<= 4x rpc.null.hw' },
  'session.hw': { limit: 20_000, of: null, text: '< 20 us' },
  'virtual.hour': { limit: 1e9, of: null, text: '< 1 s' },
};

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
