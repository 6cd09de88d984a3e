import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { kernelUnderTest } from '@os/test-kernels';
import { defineInterface, RpcObject } from '@os/rpc';
import { AttachedRomDataspace, type ComponentModule, RootComponent, SignalHandler } from '@os/runtime';
import { type SystemHandle, binaryTable, boot } from '@os/runtime/host';
import { Connection } from '@os/session';
import { Timer, timerDriver } from '@os/timer';
import { describe, expect, it } from 'vitest';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
const createKernel = kernelUnderTest().factory;

const Echo = defineInterface('Echo', {});

/** A config with the three children every version shares, plus `extra` start entries. */
const config = (watcher: string, storeVersion: string, extra = '') => `<config>
  <parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/></parent-provides>
  <default-route>
    <service name="Timer"><child name="timer"/></service>
    <service name="Echo"><child name="store"/></service>
    <any-service><parent/></any-service>
  </default-route>
  <default caps="50" ram="256K"/>
  <start name="timer"><provides><service name="Timer"/></provides></start>
  <start name="driver"><exit propagate="yes"/></start>
  <start name="watcher">${watcher}</start>
  <start name="store" version="${storeVersion}"><provides><service name="Echo"/></provides></start>
  <start name="user"/>
  ${extra}
</config>`;

describe('init, live reconfiguration', () => {
  it(
    'updates a changed <config> in place, restarts a changed version and its clients, starts new entries, removes ' +
      'gone ones, and keeps a bad config out',
    async () => {
      let handle: SystemHandle | null = null;
      const update = (text: string) => handle?.core.updateRom('config', new TextEncoder().encode(text));
      const driver: ComponentModule = {
        async construct(env) {
          const timer = await Timer.Connection.open(env);
          await timer.msleep(1000);
          update(config('<config value="2"/>', '1'));
          await timer.msleep(1000);
          update(config('<config value="2"/>', '2', '<start name="extra"/>'));
          await timer.msleep(1000);
          update(config('<config value="2"/>', '2'));
          await timer.msleep(1000);
          update(
            config('<config value="3"/>', '2').replace('<start name="user"/>', '<start name="user"><bogus/></start>'),
          );
          await timer.msleep(1000);
          await env.log(`done at ${await timer.elapsedMs()} ms`);
          await env.parent.exit(0);
        },
      };
      const watcher: ComponentModule = {
        async construct(env) {
          await env.log('watcher started');
          const rom = await AttachedRomDataspace.open(env, 'config');
          await env.log(`value ${rom.xml().attribute('value')}`);
          await rom.sigh(
            new SignalHandler(env.ep, async () => {
              await rom.update();
              await env.log(`value ${rom.xml().attribute('value')}`);
            }),
          );
        },
      };
      const store: ComponentModule = {
        async construct(env) {
          await env.log('store started');
          class EchoSession extends RpcObject<typeof Echo> {
            constructor() {
              super(Echo);
            }
          }
          class EchoRoot extends RootComponent<EchoSession> {
            constructor() {
              super({ service: 'Echo', ep: env.ep });
            }
            protected override createSession(): EchoSession {
              return new EchoSession();
            }
          }
          await new EchoRoot().announce(env);
        },
      };
      const user: ComponentModule = {
        async construct(env) {
          await Connection.openSession(env, Echo, { service: 'Echo', ram: 4096, caps: 2 });
          await env.log('user has its Echo session');
        },
      };
      const extra: ComponentModule = { construct: (env) => env.log('extra started') };
      handle = await boot(
        {
          init: 'init',
          binaries: binaryTable({ init, timer: timerDriver, driver, watcher, store, user, extra }),
          roms: new Map([['config', new TextEncoder().encode(config('<config value="1"/>', '1'))]]),
        },
        { kernel: createKernel, clock: new VirtualClock(5) },
      );
      expect(await handle.exit).toBe(0);
      // at 0 s the three start independently: their first lines may interleave differently on each kernel
      expect(handle.lines.slice(0, 4).sort()).toEqual([
        '[init -> store] store started',
        '[init -> user] user has its Echo session',
        '[init -> watcher] value 1',
        '[init -> watcher] watcher started',
      ]);
      expect(handle.lines.indexOf('[init -> watcher] watcher started')).toBeLessThan(
        handle.lines.indexOf('[init -> watcher] value 1'),
      );
      expect(handle.lines.slice(4)).toEqual([
        // 1 s: only the watcher's <config> changed: a ROM update, no restart
        '[init -> watcher] value 2',
        // 2 s: store's version changed: store restarts, and user, its client, with it; extra is new
        '[init -> store] store started',
        '[init -> extra] extra started',
        '[init -> user] user has its Echo session',
        // 3 s: extra is gone (nothing to see); 4 s: a config init cannot read is reported, nothing changes
        '[init] Error: the new config is not applied: init config:13: <bogus>: unknown element inside <start> ' +
          '(known: ' +
          '<binary>, <provides>, <route>, <config>, <exit>, <heartbeat>, <resource>)',
        '[init -> driver] done at 5000 ms',
      ]);
    },
  );
});
