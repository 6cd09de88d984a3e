import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import type { Env } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, TimeoutScheduler, timerDriver } from '../src/index.js';

/** Boots init with the timer driver and `client` on virtual time; the LOG lines once the client exits. */
async function run(client: (env: Env) => Promise<void>): Promise<string[]> {
  const config = {
    parentProvides: ['LOG', 'PD'],
    defaultRoute: [
      { service: 'Timer', to: { child: 'timer' } },
      { service: '*', to: 'parent' },
    ],
    children: [
      { name: 'timer', ram: 1 << 20, caps: 50, provides: ['Timer'] },
      { name: 'client', ram: 1 << 20, caps: 50, exit: { propagate: true } },
    ],
  };
  const system = await boot(
    {
      init: 'init',
      binaries: binaryTable({ init, timer: timerDriver, client: { construct: client } }),
      roms: new Map([['config', new TextEncoder().encode(JSON.stringify(config))]]),
    },
    { kernel: createHwKernel, clock: new VirtualClock() },
  );
  expect(await system.exit).toBe(0);
  return system.lines.map((line) => line.replace(/^\[[^\]]*\] /, ''));
}

describe('TimeoutScheduler', () => {
  it('fires many timeouts from one session in the order they are due, and not the cancelled one', async () => {
    const lines = await run(async (env) => {
      const timeouts = await TimeoutScheduler.open(env);
      const fired: string[] = [];
      const note = (name: string) => () => fired.push(name);
      await timeouts.schedule(300, note('c'));
      await timeouts.schedule(100, note('a'));
      const cancel = await timeouts.schedule(150, note('cancelled'));
      await timeouts.schedule(200, note('b'));
      cancel();
      // longer than one trigger of the session can wait (2^32 - 1 µs): armed again on the way
      await timeouts.schedule(5_000_000, note('late'));
      // signals reach the handler once construct returned (an entrypoint does one thing at a time): log from them;
      // the second sleep is pending at 400 ms beside 'late'
      void timeouts.sleep(400).then(() => env.log(`after 400 ms: ${fired.join(' ')}, ${timeouts.pending} pending`));
      void timeouts.sleep(5_000_001).then(async () => {
        await env.log(`after 5000 s: ${fired.join(' ')}, ${timeouts.pending} pending`);
        await env.parent.exit(0);
      });
    });
    expect(lines).toContain('after 400 ms: a b c, 2 pending');
    expect(lines).toContain('after 5000 s: a b c late, 0 pending');
  });

  it('spaces retries exponentially up to the cap, less up to the jitter share', () => {
    const policy = { initialMs: 100, maxMs: 1000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5, 40].map((retry) => backoffDelayMs(policy, retry, () => 0))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffDelayMs(policy, 1, () => 0.999)).toBe(50);
  });
});
