import { describe, expect, it } from 'vitest';
import { type ConfigVersion, bootInit, configServer, routesTo } from './fixtures.js';

/** Boots a dummy whose ROM "config" comes from the sibling `configs`, which serves `versions` at their times. */
function bootWithConfigs(versions: readonly [ConfigVersion, ...ConfigVersion[]]) {
  return bootInit(
    [
      { name: 'configs', ram: 1 << 20, caps: 50, provides: ['ROM'] },
      {
        name: 'dummy',
        ram: 1 << 20,
        caps: 50,
        routes: routesTo({ ROM: 'configs', Timer: 'timer' }),
        exit: { propagate: true },
      },
    ],
    { configs: configServer(versions) },
  );
}

describe('dummy: config updates', () => {
  it(
    'runs the config again for each new version, logging config <n>: <version>; the same version again is ' + 'ignored',
    async () => {
      const system = await bootWithConfigs([
        { at: 0, text: '<config version="initial"><log string="first"/></config>' },
        { at: 50, text: '<config version="initial"><log string="ignored"/></config>' },
        { at: 100, text: '<config version="updated"><log string="second"/><exit/></config>' },
      ]);
      expect(await system.exit).toBe(0);
      expect(system.stamped).toEqual([
        '0 [init -> dummy] config 1: initial',
        '0 [init -> dummy] first',
        '100000 [init -> dummy] config 2: updated',
        '100000 [init -> dummy] second',
      ]);
    },
  );

  it('counts a malformed config as a version without a name, as Genode reads it as an empty node', async () => {
    const system = await bootWithConfigs([
      { at: 0, text: '<config version="initial"><log string="first"/></config>' },
      { at: 50, text: '<config version="broken">\n<log string="x">\n</config>' },
      { at: 100, text: '<config version="fixed"><log string="third"/><exit/></config>' },
    ]);
    expect(await system.exit).toBe(0);
    expect(system.stamped).toEqual([
      '0 [init -> dummy] config 1: initial',
      '0 [init -> dummy] first',
      '50000 [init -> dummy] Error: ROM "config":3: Expected closing tag \'log\' (opened in line 2, col 1) instead ' +
        "of closing tag 'config'.",
      '100000 [init -> dummy] config 3: fixed',
      '100000 [init -> dummy] third',
    ]);
  });

  it('runs a config without a version once: later versions without one are ignored, a named one is new', async () => {
    const system = await bootWithConfigs([
      { at: 0, text: '<config><log string="first"/></config>' },
      { at: 50, text: '<config><log string="ignored"/></config>' },
      { at: 100, text: '<config version="named"><log string="second"/><exit/></config>' },
    ]);
    expect(await system.exit).toBe(0);
    expect(system.stamped).toEqual([
      '0 [init -> dummy] first',
      '100000 [init -> dummy] config 2: named',
      '100000 [init -> dummy] second',
    ]);
  });

  it('a new version arriving while it sleeps is taken up once the sleep ends', async () => {
    const system = await bootWithConfigs([
      { at: 0, text: '<config version="1"><sleep ms="100"/><log string="woke"/></config>' },
      { at: 50, text: '<config version="2"><log string="then"/><exit/></config>' },
    ]);
    expect(await system.exit).toBe(0);
    expect(system.stamped).toEqual([
      '0 [init -> dummy] config 1: 1',
      '100000 [init -> dummy] woke',
      '100000 [init -> dummy] config 2: 2',
      '100000 [init -> dummy] then',
    ]);
  });
});
