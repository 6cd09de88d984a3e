// `node bench/rpc-call.mjs [rounds]`: only the typed RPC call path of `pnpm bench` (rpc.null, rpc.payload64,
// rpc.cap on each kernel), for measuring a change to @os/rpc's client or a kernel's call without the whole bench.
// `ns` is the median ns per awaited call over batches, as `pnpm bench` measures it; p50 and p99 are of single calls,
// each timed on its own (so they include the ~40 ns of reading the clock twice).
import { createHwKernel } from '@os/kernel-hw';
import { createNovaKernel } from '@os/kernel-nova';
import { createSel4Kernel } from '@os/kernel-sel4';
import { measureAsync } from './measure.mjs';
import { rpcBenchSystem } from './rpc-fixture.mjs';

const KERNELS = { hw: createHwKernel, nova: createNovaKernel, sel4: createSel4Kernel };
const rounds = Number(process.argv[2] ?? 200_000);
const now = () => process.hrtime.bigint();

/** p50 and p99 of `rounds` single awaited calls of `fn`, each timed on its own. */
async function spread(fn) {
  const times = new Float64Array(rounds);
  for (let i = 0; i < rounds; i++) {
    const start = now();
    await fn();
    times[i] = Number(now() - start);
  }
  times.sort();
  const at = (q) => times[Math.min(rounds - 1, Math.ceil(q * rounds) - 1)];
  return { p50: at(0.5), p99: at(0.99) };
}

const payload = new Uint8Array(64).fill(1);
const rows = [];
for (const [name, factory] of Object.entries(KERNELS)) {
  const { client, passed } = rpcBenchSystem(factory);
  for (const [kind, fn] of [
    ['null', () => client.nothing()],
    ['payload64', () => client.exchange(payload)],
    ['cap', () => client.pass(passed)],
  ]) {
    const ns = await measureAsync(fn);
    rows.push({ case: `rpc.${kind}.${name}`, ns: Number(ns.toFixed(1)), ...(await spread(fn)) });
  }
}
console.log(`node ${process.version}, ${rounds} single calls per case for p50/p99`);
console.log(`${'case'.padEnd(20)}${'ns (median)'.padStart(14)}${'p50'.padStart(10)}${'p99'.padStart(10)}`);
for (const row of rows)
  console.log(
    `${row.case.padEnd(20)}${row.ns.toFixed(1).padStart(14)}${String(row.p50).padStart(10)}` +
      `${String(row.p99).padStart(10)}`,
  );
