import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { type Env, SignalHandler } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { describe, expect, it } from 'vitest';
import { InvalidDuration, TIMER_MIN_ONE_SHOT_US, TIMER_MIN_PERIOD_US, Timer, timerDriver } from '../src/index.js';

/**
 * Boots init with the timer driver and a client whose `construct` is `client`, on virtual time; resolves with the LOG
 * lines once the client exits.
 */
async function withClient(client: (env: Env, done: () => Promise<void>) => Promise<void>): Promise<string[]> {
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
  const construct = (env: Env): Promise<void> => client(env, () => env.parent.exit(0));
  const system = await boot(
    {
      init: 'init',
      binaries: binaryTable({ init, timer: timerDriver, client: { construct } }),
      roms: new Map([['config', new TextEncoder().encode(JSON.stringify(config))]]),
    },
    { kernel: createHwKernel, clock: new VirtualClock() },
  );
  expect(await system.exit).toBe(0);
  return system.lines.map((line) => line.replace(/^\[[^\]]*\] /, ''));
}

/**
 * A client that arms a trigger with `arm`, counts its signals (signal counts included) for 100 ms of
 * virtual time, then logs `signals: <n> first at <us>` and exits. Signals reach the handler once
 * `construct` returned, as an entrypoint handles one thing at a time.
 */
function counting(arm: (timer: Timer.Connection) => Promise<void>) {
  return async (env: Env, done: () => Promise<void>): Promise<void> => {
    const timer = await Timer.Connection.open(env);
    const end = await Timer.Connection.open(env);
    const start = await timer.elapsedUs();
    let signals = 0;
    let first = -1;
    await timer.sigh(
      new SignalHandler(env.ep, async (count) => {
        signals += count;
        if (first < 0) first = (await timer.elapsedUs()) - start;
      }),
    );
    await end.sigh(
      new SignalHandler(env.ep, async () => {
        await env.log(`signals: ${signals} first at ${first}`);
        await done();
      }),
    );
    await end.triggerOnce(100_000);
    await arm(timer);
  };
}

/** The `signals:` line's figures. */
function signals(lines: string[]): { count: number; first: number } {
  const [, count, first] =
    /^signals: (\d+) first at (-?\d+)$/.exec(lines.find((line) => line.startsWith('signals:')) ?? '') ?? [];
  return { count: Number(count), first: Number(first) };
}

describe('Timer clamps (as Genode: trigger_once >= 250 us, trigger_periodic >= 1000 us, 0 stops)', () => {
  it('exports the minimum values', () => {
    expect([TIMER_MIN_ONE_SHOT_US, TIMER_MIN_PERIOD_US]).toEqual([250, 1000]);
  });

  it('a period of 1 us fires at most every 1000 us: 100 signals in 100 ms, as a period of 1000 us', async () => {
    for (const us of [1, 999, 1000]) {
      const { count, first } = signals(await withClient(counting((timer) => timer.triggerPeriodic(us))));
      expect(count).toBeGreaterThanOrEqual(99);
      expect(count).toBeLessThanOrEqual(100);
      expect(first).toBeGreaterThanOrEqual(1000);
    }
    const { count } = signals(await withClient(counting((timer) => timer.triggerPeriodic(2000))));
    expect(count).toBeLessThanOrEqual(50);
  });

  it('a period of 0 stops the periodic trigger (and arms none)', async () => {
    expect(signals(await withClient(counting((timer) => timer.triggerPeriodic(0)))).count).toBe(0);
    const stopped = counting(async (timer) => {
      await timer.triggerPeriodic(1);
      await timer.triggerPeriodic(0);
    });
    expect(signals(await withClient(stopped)).count).toBe(0);
  });

  it('a one-shot of less than 250 us fires once, after 250 us; longer ones when asked', async () => {
    for (const us of [0, 1, 249, 250, 600]) {
      const { count, first } = signals(await withClient(counting((timer) => timer.triggerOnce(us))));
      expect(count).toBe(1);
      expect(first).toBeGreaterThanOrEqual(Math.max(us, 250));
      expect(first).toBeLessThan(Math.max(us, 250) + 100);
    }
  });

  it('refuses negative, NaN, infinite and too long durations with InvalidDuration', async () => {
    const lines = await withClient(async (env, done) => {
      const timer = await Timer.Connection.open(env);
      for (const us of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 2 ** 32]) {
        for (const method of ['triggerOnce', 'triggerPeriodic'] as const) {
          const outcome = await timer[method](us).then(
            () => 'ok',
            (error: unknown) => (error as { code?: string }).code,
          );
          await env.log(`${method}(${us}): ${outcome}`);
        }
      }
      await timer.close();
      await done();
    });
    const outcomes = lines.filter((line) => line.startsWith('trigger')).map((line) => line.split(': ')[1]);
    expect(outcomes).toHaveLength(10);
    expect(new Set(outcomes)).toEqual(new Set([InvalidDuration.code]));
  });
});
