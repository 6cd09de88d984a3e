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

  it("past the RAM quota asks its parent for the RAM and waits for it (Genode's expanding PD session)", async () => {
    const system = await bootInit([
      dummyChild('<config>\n  <consume_ram amount="2M"/>\n  <log string="still here"/>\n  <exit/>\n</config>', {
        ram: MIB,
      }),
    ]);
    // init lends nothing by itself: the child waits, and the system has nothing left to do
    await expect(system.exit).rejects.toThrow(/nothing can happen any more/);
    expect(system.lines).toEqual([
      '[init -> dummy] consume 2M bytes of memory',
      `[init] child "dummy" requests resources: ram_quota=${2 * MIB}`,
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

  it('past the cap quota asks its parent for capabilities and waits, holding those it got', async () => {
    // the Timer session is opened first: with no caps left, a new session could not be paid for
    const config = '<config>\n  <sleep ms="1"/>\n  <consume_caps amount="150"/>\n  <log string="all held"/>\n</config>';
    const system = await bootHost(config, [
      { at: 50, action: 'quota' },
      { at: 100, action: 'exit' },
    ]);
    expect(await system.exit).toBe(0);
    const [exhausted] = quotas(system.lines);
    expect(exhausted?.capUsed).toBe(exhausted?.capLimit);
    expect(events(system.lines)).toEqual([
      '[init -> host -> dummy] consume 150 caps',
      '[init -> host] dummy requests resources: cap_quota=4',
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
