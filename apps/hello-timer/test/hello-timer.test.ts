import { VirtualClock } from '@os/kernel';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { bootHelloTimer } from '../src/system.js';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
const createKernel = kernelUnderTest().factory;

describe('hello-timer', () => {
  it('prints timer tick 1 to 5 labelled by the parent chain and exits 0, on virtual time', async () => {
    const clock = new VirtualClock(1);
    const system = await bootHelloTimer({ kernel: createKernel, clock });
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual([1, 2, 3, 4, 5].map((tick) => `[init -> hello] timer tick ${tick}`));
    expect(clock.now()).toBe(5_000_000);
  });
});

describe('hello-timer configured', () => {
  it('ticks as often as <config ticks="N"/> says', async () => {
    const clock = new VirtualClock(1);
    const system = await bootHelloTimer({ kernel: createKernel, clock, ticks: 12 });
    expect(await system.exit).toBe(0);
    expect(system.lines.length).toBe(12);
    expect(system.lines.at(-1)).toBe('[init -> hello] timer tick 12');
    expect(clock.now()).toBe(12_000_000);
  });
});
