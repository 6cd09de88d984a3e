import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { KERNELS } from '@os/test-kernels';
import { RpcObject, codec, defineInterface, method } from '@os/rpc';
import { RootComponent } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { Connection, SessionResult } from '@os/session';
import { Timer, timerDriver } from '@os/timer';

const Answer = defineInterface('Answer', { get: method([], codec.u32) });
class AnswerObject extends RpcObject { constructor() { super(Answer); } get() { return 42; } }
const factory = KERNELS.find((k) => k.name === (process.argv[2] ?? 'hw')).factory;
const reports = [];
let announce; const announced = new Promise((r) => (announce = r));
const gates = {}; const gate = (n) => new Promise((r) => (gates[n] = r));
const config = `<config>
<parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/></parent-provides>
<default-route><service name="Timer"><child name="timer"/></service><any-service><parent/><any-child/></any-service></default-route>
<default caps="100" ram="1M"/>
<report requested="yes" provided="yes" init_ram="yes" child_ram="yes" delay_ms="0"/>
<start name="timer"><provides><service name="Timer"/></provides></start>
<start name="srv"><provides><service name="Answer"/></provides></start>
<start name="client"><exit propagate="yes"/></start>
</config>`;
const show = async (timer, what) => { await timer.msleep(5); console.log(`--- ${what}\n${reports.at(-1)}`); };
const h = await boot({ init: 'init', binaries: binaryTable({ init, timer: timerDriver,
  srv: { async construct(env) { class R extends RootComponent { constructor() { super({ service: 'Answer', ep: env.ep }); }
    sessionCost(args, label) { return { ram: label.text.endsWith('ram') ? 4096 : 0, caps: 1 }; }
    async createSession(args, label) { if (label.text.endsWith('deny')) throw new (await import('@os/session')).ServiceDenied('no'); if (label.text.endsWith('late')) await gate('late'); return new AnswerObject(); }
    async upgradeSession() { await gate('upgrade'); } async destroySession() { await gate('close'); await env.log('closed'); } }
    await announced; await new R().announce(env); } },
  client: { async construct(env) { const timer = await Timer.Connection.open(env);
    const p = Connection.openSession(env, Answer, { service: 'Answer', ram: 8192, caps: 3 });
    await show(timer, 'CREATING'); announce(); const a = await p; await show(timer, 'OK');
    const u = a.upgrade({ ram: 4096 }); await show(timer, 'UPGRADING'); gates.upgrade(); await u; await show(timer, 'after upgrade');
    const c = a.close(); await show(timer, 'CLOSING'); gates.close(); await c; await show(timer, 'closed');
    console.log(String(await env.parent.session(100, 'Answer', 'label="late", ram_quota=0, cap_quota=1')));
    console.log(await env.parent.close(100)); await show(timer, 'CLOSING while CREATING'); gates.late(); await timer.msleep(5); await show(timer, 'late done');
    console.log(String(await env.parent.session(101, 'Answer', 'label="deny", ram_quota=0, cap_quota=1')));
    console.log(String(await env.parent.session(102, 'Answer', 'label="ram", ram_quota=0, cap_quota=1')));
    await show(timer, 'DENIED + INSUFFICIENT_RAM');
    await env.parent.exit(0); } },
}), roms: new Map([['config', new TextEncoder().encode(config)]]) }, {
  kernel: factory, clock: new VirtualClock(1), onReport: (l, r) => reports.push(new TextDecoder().decode(r)),
});
console.log(await h.exit, h.lines);
