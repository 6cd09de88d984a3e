import { type ComponentModule, type Env, SignalHandler } from '@os/runtime';
import { Timer } from '@os/timer';
import { describe, expect, it } from 'vitest';
import { Rom, RomModules } from '../src/index.js';
import { bootInit, changingRomServer, clientChild, routesTo } from './fixtures.js';

/** The text of the dataspace `rom` hands out now, or `(empty)`. */
async function fetchText(env: Env, rom: Rom.Connection): Promise<string> {
  const dataspace = await rom.dataspace();
  return dataspace.valid() ? new TextDecoder().decode(env.rm.attach(dataspace)) : '(empty)';
}

/** Walks Rom::update and Rom::sigh through the versions `roms` makes of "motd" at 5, 15 and 25 ms. */
const walker: ComponentModule = {
  async construct(env) {
    const timer = await Timer.Connection.open(env);
    const rom = await Rom.Connection.open(env, 'motd');
    await env.log(`update before the first dataspace: ${await rom.update()}`);
    await env.log(`dataspace: ${await fetchText(env, rom)}`);
    await env.log(`update: ${await rom.update()}`);
    await timer.msleep(10);
    await env.log(`update after a new version: ${await rom.update()}`);
    await env.log(`update again without fetching: ${await rom.update()}`);
    await env.log(`dataspace: ${await fetchText(env, rom)}`);
    await env.log(`update: ${await rom.update()}`);
    await timer.msleep(10);
    let signals = 0;
    await rom.sigh(
      new SignalHandler(env.ep, async () => {
        signals++;
        await env.log(`signal ${signals}: update ${await rom.update()}, dataspace: ${await fetchText(env, rom)}`);
        if (signals === 2) {
          await rom.close();
          await env.parent.exit(0);
        }
      }),
    );
    await env.log('sigh registered');
  },
};

describe('Rom.Connection', () => {
  it(
    'update() answers whether the dataspace held is the current version; sigh() signals at once when a version ' +
      'arrived unseen',
    async () => {
      const changes = [
        { at: 5, name: 'motd', content: 'v2' },
        { at: 15, name: 'motd', content: 'v3' },
        { at: 25, name: 'motd', content: 'v4' },
      ];
      const system = await bootInit(
        [
          { name: 'roms', ram: 1 << 20, caps: 100, provides: ['ROM'] },
          clientChild('walker', routesTo({ ROM: 'roms', Timer: 'timer' })),
        ],
        { roms: changingRomServer(new RomModules({ motd: 'v1' }), changes), walker },
      );
      expect(await system.exit).toBe(0);
      expect(system.stamped).toEqual([
        '0 [init -> walker] update before the first dataspace: false',
        '0 [init -> walker] dataspace: v1',
        '0 [init -> walker] update: true',
        '10 [init -> walker] update after a new version: false',
        '10 [init -> walker] update again without fetching: false',
        '10 [init -> walker] dataspace: v2',
        '10 [init -> walker] update: true',
        '20 [init -> walker] sigh registered',
        '20 [init -> walker] signal 1: update false, dataspace: v3',
        '25 [init -> walker] signal 2: update false, dataspace: v4',
      ]);
    },
  );
});
