import { formatBytes } from '@os/kernel';
import { ROM_SESSION_RAM } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { bootHost, bootInit, dummyChild, parseQuota } from './fixtures.js';

const MIB = 1 << 20;

/** The host's quota lines, parsed, in order. */
const quotas = (lines: readonly string[]) => lines.filter((line) => line.includes('dummy quota:')).map(parseQuota);
/** The lines of the hosted dummy and of the host, without the quota lines. */
const events = (lines: readonly string[]) => lines.filter((line) => !line.includes('dummy quota:'));

describe('dummy: <consume_ram>', () => {
  it('holds one dataspace of the amount until the next <consume_ram>, which releases it first', async () => {
    const config =
      '<config><consume_ram amount="1M"/><sleep ms="100"/><consume_ram amount="512K"/><sleep ' +
      'ms="100"/><exit/></config>';
    const system = await bootHost(config, [
      { at: 50, action: 'quota' },
      { at: 150, action: 'quota' },
    ]);
    expect(await system.exit).toBe(0);
    expect(events(system.lines)).toEqual([
      '[init -> host -> dummy] consume 1M bytes of memory',
      '[init -> host -> dummy] release 1M bytes of memory',
      '[init -> host -> dummy] consume 512K bytes of memory',
    ]);
    const [holding1M, holding512K] = quotas(system.lines);
    expect((holding1M?.ramUsed ?? 0) - (holding512K?.ramUsed ?? 0)).toBe(512 * 1024);
    expect(holding512K?.capUsed).toBe(holding1M?.capUsed);
  });

  it('past the RAM quota logs the typed error with the line, holds nothing, and goes on', async () => {
    const system = await bootInit([
      dummyChild('<config>\n  <consume_ram amount="2M"/>\n  <log string="still here"/>\n  <exit/>\n</config>', {
        ram: MIB,
      }),
    ]);
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual([
      '[init -> dummy] consume 2M bytes of memory',
      '[init -> dummy] Error: ROM "config":2: <consume_ram> failed: ConsumeError: cannot consume 2M bytes of memory ' +
        (`(QuotaExceededError: PD "init -> dummy" is out of RAM quota: needs 2M, ` +
          `has ${formatBytes(MIB - ROM_SESSION_RAM)} left; upgrade its quota)`),
      '[init -> dummy] still here',
    ]);
  });
});

describe('dummy: <consume_caps>', () => {
  it('manages amount RPC objects, one cap each, until the next <consume_caps>, which releases them first', async () => {
    const config =
      '<config><consume_caps amount="10"/><sleep ms="100"/><consume_caps amount="3"/><sleep ms="100"/><exit/></config>';
    const system = await bootHost(config, [
      { at: 50, action: 'quota' },
      { at: 150, action: 'quota' },
    ]);
    expect(await system.exit).toBe(0);
    expect(events(system.lines)).toEqual([
      '[init -> host -> dummy] consume 10 caps',
      '[init -> host -> dummy] release 10 caps',
      '[init -> host -> dummy] consume 3 caps',
    ]);
    const [holding10, holding3] = quotas(system.lines);
    expect((holding10?.capUsed ?? 0) - (holding3?.capUsed ?? 0)).toBe(7);
    expect(holding3?.ramUsed).toBe(holding10?.ramUsed);
  });

  it('past the cap quota logs how many it got, keeps them, and the next <consume_caps> releases them', async () => {
    // the Timer session is opened first: with no caps left, a new session could not be paid for
    const config =
      '<config>\n  <sleep ms="1"/>\n  <consume_caps amount="150"/>\n  <sleep ms="100"/>\n  <consume_caps ' +
      'amount="3"/>\n  <sleep ms="100"/>\n  <exit/>\n</config>';
    const system = await bootHost(config, [
      { at: 50, action: 'quota' },
      { at: 150, action: 'quota' },
    ]);
    expect(await system.exit).toBe(0);
    const [exhausted, holding3] = quotas(system.lines);
    expect(exhausted?.capUsed).toBe(exhausted?.capLimit);
    const got = (exhausted?.capUsed ?? 0) - (holding3?.capUsed ?? 0) + 3;
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(100);
    expect(events(system.lines)).toEqual([
      '[init -> host -> dummy] consume 150 caps',
      `[init -> host -> dummy] Error: ROM "config":3: <consume_caps> failed: ConsumeError: consumed ${got} of 150 ` +
        `caps, then ran out ` +
        ('(QuotaExceededError: PD "init -> host -> dummy" is out of capability quota: needs 1, has 0 left; upgrade ' +
          'its quota)'),
      `[init -> host -> dummy] release ${got} caps`,
      '[init -> host -> dummy] consume 3 caps',
    ]);
  });
});

describe('dummy: <handle_yield_requests>', () => {
  it('on a yield request releases what it consumed and answers; without it, the parent has nobody to ask', async () => {
    const config =
      '<config><sleep ms="100"/><handle_yield_requests/><consume_ram amount="1M"/><consume_caps amount="5"/></config>';
    const system = await bootHost(config, [
      { at: 50, action: 'yield' },
      { at: 150, action: 'quota' },
      { at: 200, action: 'yield' },
      { at: 250, action: 'quota' },
      { at: 300, action: 'exit' },
    ]);
    expect(await system.exit).toBe(0);
    expect(events(system.stamped)).toEqual([
      '50000 [init -> host] dummy does not take yield requests',
      '100000 [init -> host -> dummy] consume 1M bytes of memory',
      '100000 [init -> host -> dummy] consume 5 caps',
      '200000 [init -> host] asking dummy to yield',
      '200000 [init -> host -> dummy] got yield request',
      '200000 [init -> host -> dummy] release 1M bytes of memory',
      '200000 [init -> host -> dummy] release 5 caps',
    ]);
    const [consumed, yielded] = quotas(system.lines);
    // the dataspace itself is one capability besides the five RPC objects
    expect({
      ram: (consumed?.ramUsed ?? 0) - (yielded?.ramUsed ?? 0),
      caps: (consumed?.capUsed ?? 0) - (yielded?.capUsed ?? 0),
    }).toEqual({ ram: MIB, caps: 6 });
  });
});
