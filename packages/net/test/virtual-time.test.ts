import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { binaryTable, boot } from '@os/runtime/host';
import { describe, expect, it } from 'vitest';
import { netServer } from '../src/host.js';
import { kernel } from './fixtures.js';

describe(`the net server on virtual time on ${kernel.name}`, () => {
  it('refuses to start, saying that the network service needs real time', async () => {
    const config = {
      parentProvides: ['LOG', 'ROM', 'PD', 'CPU'],
      defaultRoute: [{ service: '*', to: 'parent' }],
      children: [{ name: 'net', ram: 4 << 20, caps: 100, provides: ['Net'], exit: { propagate: true } }],
    };
    const system = await boot(
      {
        init: 'init',
        binaries: binaryTable({ init, net: netServer({ virtualTime: true }) }),
        roms: new Map([['config', new TextEncoder().encode(JSON.stringify(config))]]),
      },
      { kernel: kernel.factory, clock: new VirtualClock() },
    );
    expect(await system.exit).toBe(1);
    expect(system.lines).toEqual([
      '[init -> net] Error: net: construct failed: NetNeedsRealTime: the network service needs real time: on ' +
        'virtual time the clock jumps ahead while the host network is busy, so every timeout would fire early; run ' +
        'the system without --virtual-time',
    ]);
  });
});
