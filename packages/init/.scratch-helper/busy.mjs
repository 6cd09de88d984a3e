import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { KERNELS } from '@os/test-kernels';
import { RpcObject, codec, defineInterface, method } from '@os/rpc';
import { RootComponent } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { Connection, Parent } from '@os/session';
import { Timer, timerDriver } from '@os/timer';
const Answer = defineInterface('Answer', { get: method([], codec.u32) });
class AnswerObject extends RpcObject { constructor() { super(Answer); } get() { return 42; } }
const factory = KERNELS.find((k) => k.name === (process.argv[2] ?? 'hw')).factory;
const ms = (env) => Math.round(env.thread.time() / 1000);
const config = `<config>
<parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/></parent-provides>
<default-route><service name="Timer"><child name="timer"/></service><service name="Answer"><child name="srv"/></service><any-service><parent/></any-service></default-route>
<default caps="100" ram="1M"/>
<start name="timer"><provides><service name="Timer"/></provides></start>
<start name="srv"><provides><service name="Answer"/></provides></start>
<start name="first"/><start name="second"/>
<start name="by"><exit propagate="yes"/></start>
</config>`;
const client = (name, delay) => ({ async construct(env) {
  if (delay) await (await Timer.Connection.open(env)).msleep(delay);
  const id = env.allocSessionId();
  let cap = await env.parent.session(id, 'Answer', 'label="", ram_quota=4096, cap_quota=2');
  console.log(name, 'session ->', cap.valid(), ms(env));
  for (;;) { const seen = env.sessionSignals; cap = await env.parent.sessionCap(id); console.log(name, 'sessionCap ->', cap.valid(), ms(env), 'signals', seen); if (cap.valid()) break; await env.waitForSessionSignal(seen); console.log(name, 'signal', ms(env)); }
} });
const h = await boot({ init: 'init', binaries: binaryTable({ init, timer: timerDriver,
  srv: { async construct(env) { class R extends RootComponent { constructor() { super({ service: 'Answer', ep: env.ep }); }
    async createSession(a, label) { console.log('asked', label.text, ms(env)); const t = await Timer.Connection.open(env); await t.msleep(20); await t.close(); console.log('answers', label.text, ms(env)); return new AnswerObject(); } }
    await new R().announce(env); } },
  first: client('first', 0), second: client('second', 5),
  by: { async construct(env) { const t = await Timer.Connection.open(env); await t.msleep(60); await env.parent.exit(0); } },
}), roms: new Map([['config', new TextEncoder().encode(config)]]) }, {
  kernel: factory, clock: new VirtualClock(1),
  trace: (e) => { if (e.thread === 'srv.root' && (e.operation === 'call' || e.operation==='queue')) console.log('  trace', e.operation, e.target, e.bytes, e.caps); },
});
console.log(await h.exit, h.lines);
