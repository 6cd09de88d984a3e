import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { kernelUnderTest } from '@os/test-kernels';
import { RpcObject, type ServerOf, codec, defineInterface, method } from '@os/rpc';
import { type ComponentModule, type Env, RootComponent } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { Connection } from '@os/session';
import { Timer, timerDriver } from '@os/timer';
import { describe, expect, it } from 'vitest';

const createKernel = kernelUnderTest().factory;

/** A service whose one method answers 42. */
const Answer = defineInterface('Answer', { get: method([], codec.u32) });

class AnswerObject extends RpcObject<typeof Answer> implements ServerOf<typeof Answer> {
  constructor() {
    super(Answer);
  }
  get(): number {
    return 42;
  }
}

/**
 * The `slow` server: each session request first opens a Timer session at its own parent (init, the
 * parent busy routing the very request) and sleeps `delayMs` before it answers; `close` sleeps too.
 */
function slowServer(
  delayMs: number,
  events: string[],
  options: { closeNever?: boolean; upgradeNever?: boolean } = {},
): ComponentModule {
  return {
    async construct(env: Env) {
      let timer: Timer.Connection | null = null;
      class SlowRoot extends RootComponent<AnswerObject> {
        constructor() {
          super({ service: 'Answer', ep: env.ep });
        }
        protected override async createSession(): Promise<AnswerObject> {
          events.push('session asked');
          timer ??= await Timer.Connection.open(env);
          await timer.msleep(delayMs);
          events.push('session answered');
          return new AnswerObject();
        }
        protected override async upgradeSession(): Promise<void> {
          if (options.upgradeNever !== true) return;
          events.push('upgrade asked');
          await new Promise<void>(() => undefined);
        }
        protected override async destroySession(): Promise<void> {
          if (options.closeNever === true) events.push('close asked');
          if (options.closeNever === true) await new Promise<void>(() => undefined);
          await (timer as Timer.Connection).msleep(delayMs);
          events.push('closed');
        }
      }
      await new SlowRoot().announce(env);
    },
  };
}

function configText(starts: string): string {
  return `<config>
  <parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/></parent-provides>
  <default-route>
    <service name="Timer"><child name="timer"/></service>
    <service name="Answer"><child name="slow"/></service>
    <any-service><parent/></any-service>
  </default-route>
  <start name="timer" ram="1M" caps="50"><provides><service name="Timer"/></provides></start>
  <start name="slow" ram="1M" caps="50"><provides><service name="Answer"/></provides></start>
  ${starts}
</config>`;
}

async function system(starts: string, binaries: Record<string, ComponentModule>) {
  const config = new TextEncoder().encode(configText(starts));
  return boot(
    {
      init: 'init',
      binaries: binaryTable({ init, timer: timerDriver, ...binaries }),
      roms: new Map([['config', config]]),
    },
    { kernel: createKernel, clock: new VirtualClock(5) },
  );
}

describe('init never calls a sibling server: requests go through its session_requests ROM', () => {
  it(
    'a server that asks init for a session and sleeps before it answers one: the request turns pending, the client ' +
      'gets it, and the donation comes back on close',
    async () => {
      const events: string[] = [];
      const client: ComponentModule = {
        async construct(env) {
          const before = env.pd.quota();
          const answer = await Connection.openSession(env, Answer, { service: 'Answer', ram: 8192, caps: 3 });
          events.push(`got ${await answer.session.get()} at ${Math.round(env.thread.time() / 1000)} ms`);
          const during = env.pd.quota();
          events.push(`donated ${before.ramLimit - during.ramLimit} bytes, ${before.capLimit - during.capLimit} caps`);
          await answer.close();
          events.push('close returned');
          const after = env.pd.quota();
          events.push(`back: ${after.ramLimit === before.ramLimit && after.capLimit === before.capLimit}`);
          await env.parent.exit(0);
        },
      };
      // a bystander that opens a Timer session while the slow server keeps init's caller thread for it busy
      const bystander: ComponentModule = {
        async construct(env) {
          const timer = await Timer.Connection.open(env);
          await timer.msleep(5);
          events.push(`bystander at ${Math.round(env.thread.time() / 1000)} ms`);
        },
      };
      const booted = await system(
        `<start name="client" ram="1M" caps="50"><exit propagate="yes"/></start><start name="bystander" ram="1M" ` +
          `caps="50"/>`,
        {
          slow: slowServer(20, events),
          client,
          bystander,
        },
      );
      expect(await booted.exit).toBe(0);
      expect(events.filter((event) => !event.startsWith('bystander'))).toEqual([
        'session asked',
        'session answered',
        'got 42 at 20 ms',
        'donated 8192 bytes, 3 caps',
        'closed',
        'close returned',
        'back: true',
      ]);
      // the bystander's Timer session was routed while the slow server held its request
      expect(events.indexOf('bystander at 5 ms')).toBeGreaterThan(events.indexOf('session asked'));
      expect(events.indexOf('bystander at 5 ms')).toBeLessThan(events.indexOf('session answered'));
    },
  );

  it(
    'a server that never answers a close: the client waits in close while init and the others go on; once the ' +
      'server is removed, the close returns and the donation is back',
    async () => {
      const events: string[] = [];
      let update: (text: string) => void = () => undefined;
      const client: ComponentModule = {
        async construct(env) {
          const before = env.pd.quota();
          const answer = await Connection.openSession(env, Answer, { service: 'Answer', ram: 8192, caps: 3 });
          await answer.close();
          const after = env.pd.quota();
          events.push(
            `close returned at ${Math.round(env.thread.time() / 1000)} ms, donation ` +
              `back: ${after.ramLimit === before.ramLimit && after.capLimit === before.capLimit}`,
          );
          await env.parent.exit(0);
        },
      };
      const driver: ComponentModule = {
        async construct(env) {
          const timer = await Timer.Connection.open(env);
          await timer.msleep(50);
          events.push('driver removes slow');
          update(
            configText(
              `<start name="client" ram="1M" caps="50"><exit propagate="yes"/></start><start name="driver" ram="1M" ` +
                `caps="50"/>`,
            )
              .replace(/<start name="slow"[\s\S]*?<\/start>/, '')
              .replace(/<service name="Answer">.*?<\/service>/, ''),
          );
        },
      };
      const starts =
        `<start name="client" ram="1M" caps="50"><exit propagate="yes"/></start><start name="driver" ` +
        `ram="1M" caps="50"/>`;
      const booted = await system(starts, { slow: slowServer(1, events, { closeNever: true }), client, driver });
      update = (text) => booted.core.updateRom('config', new TextEncoder().encode(text));
      expect(await booted.exit).toBe(0);
      expect(events).toEqual([
        'session asked',
        'session answered',
        'close asked',
        'driver removes slow',
        'close returned at 50 ms, donation back: true',
      ]);
    },
  );

  it(
    'a server that never answers an upgrade: the client waits in upgrade with its donation at the server, while init ' +
      'serves a bystander',
    async () => {
      const events: string[] = [];
      const client: ComponentModule = {
        async construct(env) {
          const before = env.pd.quota();
          const answer = await Connection.openSession(env, Answer, { service: 'Answer', ram: 8192, caps: 3 });
          const upgrade = answer.upgrade({ ram: 4096 });
          events.push(`upgrade asked, ${before.ramLimit - env.pd.quota().ramLimit} bytes away`);
          await upgrade;
          events.push('upgrade returned');
        },
      };
      const bystander: ComponentModule = {
        async construct(env) {
          const timer = await Timer.Connection.open(env);
          await timer.msleep(20);
          events.push(`bystander at ${Math.round(env.thread.time() / 1000)} ms`);
          await env.parent.exit(0);
        },
      };
      const booted = await system(
        `<start name="client" ram="1M" caps="50"/><start name="bystander" ram="1M" caps="50"><exit propagate="yes"/>` +
          '</start>',
        { slow: slowServer(1, events, { upgradeNever: true }), client, bystander },
      );
      expect(await booted.exit).toBe(0);
      expect(events).toEqual([
        'session asked',
        'session answered',
        'upgrade asked, 12288 bytes away',
        'upgrade asked',
        'bystander at 20 ms',
      ]);
    },
  );
});
