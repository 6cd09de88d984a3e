import { rpcBenchSystem } from './rpc-fixture.mjs';
const { client } = rpcBenchSystem();
const N = 1e7;
let t = process.hrtime.bigint();
for (let i = 0; i < N; i++) await client.nothing();
console.log(Number(process.hrtime.bigint() - t) / N);
