import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { KERNELS } from '@os/test-kernels';
import { RpcObject, codec, defineInterface, method } from '@os/rpc';
import { RootComponent, Rom } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { Connection, Parent, Root } from '@os/session';

const Answer = defineInterface('Answer', { get: method([], codec.u32) });
class AnswerObject extends RpcObject { constructor() { super(Answer); } get() { return 42; } }
const ifaces = [Rom, Parent, Root, Answer];
const name = process.argv[2] ?? 'hw';
const factory = KERNELS.find((k) => k.name === name).factory;
const threads = new Map();
let kernel;
const events = [];
let on = false;
const config = `<config>
<parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/></parent-provides>
<default-route><any-service><parent/><any-child/></any-service></default-route>
<default caps="100" ram="1M"/>
<start name="server"><provides><service name="Answer"/></provides></start>
<start name="client"><exit propagate="yes"/></start>
</config>`;
const h = await boot({ init: 'init', binaries: binaryTable({ init,
  server: { async construct(env) { class R extends RootComponent { constructor() { super({ service: 'Answer', ep: env.ep }); } createSession() { return new AnswerObject(); } } await new R().announce(env); } },
  client: { async construct(env) { const t = env.thread; await new Promise(r => setTimeout(r, 0)); on = true; const a = await Connection.openSession(env, Answer, { service: 'Answer', ram: 4096, caps: 2 }); on = false; await env.log('got ' + await a.session.get()); await env.parent.exit(0); } },
}), roms: new Map([['config', new TextEncoder().encode(config)]]) }, {
  kernel: (o) => { kernel = factory(o); const create = kernel.createThread.bind(kernel); Object.defineProperty(kernel, 'createThread', { value: (pd, label) => { const t = create(pd, label); threads.set(label, t); return t; } }); return kernel; },
  clock: new VirtualClock(1),
  trace: (e) => { if (!on) return; let m = ''; if (e.operation === 'call') { const t = threads.get(e.thread); if (!t) { m = "(no thread)"; } else { const v = t.utcb.view; const op = v.getUint32(0, true), id = v.getUint32(4, true); const i = ifaces.find(x => x.id === id); m = i ? `${i.name}.${i.entries[op].name}` : `?${id}`; } } events.push(`${e.operation} ${e.detail} ${e.pd} ${e.thread} -> ${e.target} sel=${e.selector} b=${e.bytes} caps=${JSON.stringify(e.caps)} ${m}`); },
});
console.log(await h.exit, h.lines);
console.log(events.join('\n'));
