// Family 5: heartbeats. A component whose entrypoint blocks for good stops answering its parent's
// heartbeats; init counts the skipped ones, shows them in its state report and, as configured,
// restarts the component: its sessions are dropped at their servers and its quota comes back to init
// before the new one gets the same. Everyone else is left alone.

import { Capability } from '@os/capability';
import type { Env } from '@os/runtime';
import { Connection } from '@os/session';
import { Timer } from '@os/timer';
import { describe, expect, it } from 'vitest';
import { Counter } from './support/counter.js';
import { KERNEL } from './support/kernel-world.js';
import { COUNTER_SESSION_CAPS, COUNTER_SESSION_RAM, type Figures, attackSystem, quotaTable } from './support/system.js';

const MONITORED_BYSTANDER = '<start name="bystander"> <heartbeat restart_after_skipped="2"/> </start>';
const DRIVER = '<start name="driver"> <exit propagate="yes"/> </start>';

/** What a heartbeat test saw: how often each component started, and init's figures at two moments. */
interface HeartbeatRecord {
  readonly starts: Record<string, number>;
  tables: [Record<string, Figures>, Record<string, Figures>] | null;
  openAtEnd: number;
}

describe(`heartbeat attacks on ${KERNEL.name}`, () => {
  it(
    'a component that stops answering heartbeats (its entrypoint blocked for good) shows skipped heartbeats, is ' +
      ('restarted after more than restart_after_skipped, its session is dropped and its quota comes back each time; ' +
        'a monitored bystander and an unmonitored stuck component are left alone'),
    async () => {
      const record: HeartbeatRecord = { starts: {}, tables: null, openAtEnd: -1 };
      const started = (name: string): void => {
        record.starts[name] = (record.starts[name] ?? 0) + 1;
      };
      const system = await attackSystem({
        heartbeatMs: 100,
        starts: `${MONITORED_BYSTANDER}
        <start name="stuck"> <heartbeat restart_after_skipped="2"/> </start>
        <start name="unwatched"/>
        ${DRIVER}`,
        components: (ready) => ({
          stuck: {
            async construct(env: Env) {
              started('stuck');
              await Connection.openSession(env, Counter, {
                service: 'Counter',
                ram: COUNTER_SESSION_RAM,
                caps: COUNTER_SESSION_CAPS,
              });
              await new Promise<void>(() => undefined);
            },
          },
          unwatched: {
            async construct() {
              started('unwatched');
              await new Promise<void>(() => undefined);
            },
          },
          driver: {
            async construct(env: Env) {
              const attack = await ready;
              const timer = await Timer.Connection.open(env);
              await timer.msleep(50);
              const before = quotaTable(await attack.fresh());
              await timer.msleep(1000);
              record.tables = [before, quotaTable(await attack.fresh())];
              record.openAtEnd = attack.server.open;
              await env.parent.exit(0);
            },
          },
        }),
      });
      expect(await system.handle.exit).toBe(0);
      const restarts = system.handle.lines.filter(
        (line) => line === '[init] child "stuck" skipped 3 heartbeats: restarting it',
      );
      expect(restarts.length).toBeGreaterThanOrEqual(2);
      expect(record.starts).toEqual({ stuck: restarts.length + 1, unwatched: 1 });
      expect(
        system.handle.lines.filter((line) => /child "(bystander|unwatched|driver|server|timer)" skipped/.test(line)),
      ).toEqual([]);
      // the state report showed the skipped heartbeats before the restart, and a new id after it
      const stuckIds = new Set(
        system.reports.map((report) => /<child name="stuck" binary="stuck" id="(\d+)"/.exec(report.text)?.[1]),
      );
      expect(stuckIds.size).toBeGreaterThanOrEqual(3);
      expect(system.reports.some((report) => /<child name="stuck" [^>]*skipped_heartbeats="2"/.test(report.text))).toBe(
        true,
      );
      // one Counter session at a time: each restart dropped the old one; init, server and every child hold what they
      // held
      expect(system.server.opened).toBe(1 + restarts.length + 1);
      expect(record.openAtEnd).toBe(2);
      const [before, after] = record.tables as [Record<string, Figures>, Record<string, Figures>];
      expect(after).toEqual(before);
      expect(system.bystander.wrong).toEqual([]);
      expect(system.bystander.errors).toEqual([]);
      expect(system.bystander.rounds).toBeGreaterThanOrEqual(100);
    },
  );

  // Heartbeat monitoring holds against a hostile child: once the child registered a heartbeat
  // context (the runtime does so before construct), Child.heartbeat() counts every heartbeat, and one
  // that cannot be delivered because the child set an invalid context is counted as skipped. (It was
  // cooperative, as Genode's Child::heartbeat is: a child could opt out and then block unseen.)
  it('a monitored child that unregisters its heartbeat context and then blocks is still restarted', async () => {
    const starts = { evader: 0 };
    const system = await attackSystem({
      heartbeatMs: 100,
      starts: `${MONITORED_BYSTANDER} <start name="evader"> <heartbeat restart_after_skipped="2"/> </start> ${DRIVER}`,
      components: () => ({
        evader: {
          async construct(env: Env) {
            starts.evader++;
            await env.parent.heartbeatSigh(Capability.invalid());
            await new Promise<void>(() => undefined);
          },
        },
        driver: {
          async construct(env: Env) {
            const timer = await Timer.Connection.open(env);
            await timer.msleep(1000);
            await env.parent.exit(0);
          },
        },
      }),
    });
    expect(await system.handle.exit).toBe(0);
    expect(system.handle.lines).toContain('[init] child "evader" skipped 3 heartbeats: restarting it');
    expect(starts.evader).toBeGreaterThanOrEqual(2);
  });
});
