import { SystemStalledError } from '@os/runtime/host';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SLEEP_MS } from '../src/index.js';
import { bootInit, dummyChild } from './fixtures.js';

describe('dummy: <sleep> and <sleep_forever>', () => {
  it('sleeps <sleep ms> on virtual time, then runs the next nodes; without ms it sleeps 100 ms', async () => {
    const config =
      '<config><log string="a"/><sleep ms="250"/><log string="b"/><sleep/><log string="c"/><exit/></config>';
    const system = await bootInit([dummyChild(config)]);
    expect(await system.exit).toBe(0);
    expect(system.stamped).toEqual([
      '0 [init -> dummy] a',
      '250000 [init -> dummy] b',
      `${(250 + DEFAULT_SLEEP_MS) * 1000} [init -> dummy] c`,
    ]);
    expect(system.clock.now()).toBe(350_000);
  });

  it('<sleep_forever/> blocks it for good: the run stalls, naming the node, and later nodes never run', async () => {
    const system = await bootInit([
      dummyChild('<config>\n  <log string="going to sleep"/>\n  <sleep_forever/>\n  <exit/>\n</config>'),
    ]);
    const stalled = await system.exit.then(
      () => null,
      (error: unknown) => error,
    );
    expect(stalled).toBeInstanceOf(SystemStalledError);
    expect((stalled as SystemStalledError).waits).toEqual(['dummy waits for <sleep_forever/> (ROM "config":3)']);
    expect(system.lines).toEqual(['[init -> dummy] going to sleep']);
  });
});
