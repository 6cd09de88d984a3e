import type { QuotaState } from '@os/kernel';
import { describe, expect, it } from 'vitest';
import { Rom, RomModules } from '../src/index.js';
import {
  type ModuleChange,
  attempt,
  bootInit,
  changingRomServer,
  clientChild,
  consumer,
  rawSession,
  routesTo,
  script,
  spied,
} from './fixtures.js';

const toRoms = routesTo({ ROM: 'roms', Timer: 'timer' });
const romsChild = { name: 'roms', ram: 1 << 20, caps: 100, provides: ['ROM'] };

describe('RomService: in-memory modules as ROMs', () => {
  it(
    'hands each change of a module to its open sessions as a new version with a signal; a deleted module shows as ' +
      'empty',
    async () => {
      const changes: ModuleChange[] = [
        { at: 10, name: 'motd', content: 'v2' },
        { at: 15, name: 'other', content: 'unrelated' },
        { at: 20, name: 'motd', content: null },
        { at: 30, name: 'motd', content: 'v3' },
      ];
      const system = await bootInit([romsChild, clientChild('client', toRoms)], {
        roms: changingRomServer(new RomModules({ motd: 'v1' }), changes),
        client: consumer({ rom: 'motd', versions: 4 }),
      });
      expect(await system.exit).toBe(0);
      expect(system.stamped).toEqual([
        '0 [init -> client] motd: v1',
        '10 [init -> client] motd: v2',
        '20 [init -> client] motd: (empty)',
        '30 [init -> client] motd: v3',
      ]);
    },
  );

  it('denies an unknown or deleted module naming the known ones, and checks the donation as core does', async () => {
    const client = script(async (env, timer) => {
      await timer.msleep(1);
      await attempt(env, 'ROM "nope"', () => Rom.Connection.open(env, 'nope'));
      await attempt(env, 'ROM "big" with 4K for 5000 bytes', () =>
        rawSession(env, 'ROM', { label: 'big', ram_quota: 4096, cap_quota: 2 }),
      );
      await attempt(env, 'ROM "big" with 1 cap', () =>
        rawSession(env, 'ROM', { label: 'big', ram_quota: 16384, cap_quota: 1 }),
      );
      await attempt(env, 'ROM "big" with 16K and 2 caps', async () =>
        (await rawSession(env, 'ROM', { label: 'big', ram_quota: 16384, cap_quota: 2 })).close(),
      );
      await attempt(env, 'ROM "deep -> motd"', async () => (await Rom.Connection.open(env, 'deep -> motd')).close());
      await timer.msleep(20);
      await attempt(env, 'ROM "motd" after its deletion', () => Rom.Connection.open(env, 'motd'));
    });
    const system = await bootInit([romsChild, clientChild('client', toRoms)], {
      roms: changingRomServer(new RomModules({ motd: 'hello', big: 'x'.repeat(5000) }), [
        { at: 10, name: 'motd', content: null },
      ]),
      client,
    });
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual([
      '[init -> client] ROM "nope": ServiceDenied: no ROM module "nope" here (known: big, motd); route the session ' +
        'elsewhere or add the module',
      '[init -> client] ROM "big" with 4K for 5000 bytes: InsufficientRamQuota: ROM "client -> big": ' +
        'a ROM session needs 16K of RAM (two copies of the content, page-rounded), the request donated 4K',
      '[init -> client] ROM "big" with 1 cap: InsufficientCapQuota: ROM "client -> big": ' +
        'a ROM session needs 2 capabilities, the request donated 1',
      '[init -> client] ROM "big" with 16K and 2 caps: ok',
      '[init -> client] ROM "deep -> motd": ok',
      '[init -> client] ROM "motd" after its deletion: ServiceDenied: no ROM module "motd" here (known: big); route ' +
        'the session elsewhere or add the module',
    ]);
  });

  it("frees each session's copies: after close, the server PD's quota is what it was before", async () => {
    const server = spied(
      changingRomServer(new RomModules({ motd: 'v1', big: 'x'.repeat(5000) }), [
        { at: 10, name: 'motd', content: 'y'.repeat(9000) },
      ]),
    );
    const samples = new Map<string, QuotaState>();
    const client = script(async (env, timer) => {
      await timer.msleep(1);
      await env.log('before');
      const motd = await Rom.Connection.open(env, 'motd');
      const big = await Rom.Connection.open(env, 'big');
      await env.log('open');
      await timer.msleep(10);
      await env.log('updated');
      await motd.close();
      await big.close();
      await env.log('closed');
    });
    const system = await bootInit(
      [romsChild, clientChild('client', toRoms)],
      { roms: server.module, client },
      (line) => {
        const marker = /^\[init -> client\] (before|open|updated|closed)$/.exec(line);
        if (marker !== null) samples.set(marker[1] as string, server.quota());
      },
    );
    expect(await system.exit).toBe(0);
    const before = samples.get('before') as QuotaState;
    expect((samples.get('open') as QuotaState).ramUsed - before.ramUsed).toBe(4096 + 8192);
    expect((samples.get('updated') as QuotaState).ramUsed - before.ramUsed).toBe(12288 + 8192);
    expect(samples.get('closed')).toEqual(before);
  });
});
