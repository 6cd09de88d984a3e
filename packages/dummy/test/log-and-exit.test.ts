import { describe, expect, it } from 'vitest';
import { bootInit, dummyChild } from './fixtures.js';

describe('dummy: <log> and <exit>', () => {
  it('logs each <log string> in config order and exits with 0 at <exit/>, running no node after it', async () => {
    const system = await bootInit([
      dummyChild(
        '<config>\n  <log string="first"/>\n  <log string="second"/>\n  <exit/>\n  <log string="after ' +
          'exit"/>\n</config>',
        { exit: { propagate: false } },
      ),
      dummyChild('<config><sleep ms="100"/><exit/></config>', { name: 'keeper' }),
    ]);
    expect(await system.exit).toBe(0);
    expect(system.stamped).toEqual([
      '0 [init -> dummy] first',
      '0 [init -> dummy] second',
      '0 [init] child "dummy" exited with exit value 0',
    ]);
    expect(system.clock.now()).toBe(100_000);
  });

  it("cuts a log string to 49 characters, as Genode's String<50>", async () => {
    const long = 'abcdefghij'.repeat(6);
    const system = await bootInit([dummyChild(`<config><log string="${long}"/><log/><exit/></config>`)]);
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual([`[init -> dummy] ${long.slice(0, 49)}`, '[init -> dummy] ']);
  });

  it(
    'warns about a node it does not understand and logs a bad attribute, naming their lines, and goes ' + 'on',
    async () => {
      const config =
        '<config>\n  <frobnicate/>\n  <sleep ms="soon"/>\n  <log string="still here"/>\n  <exit/>\n</config>';
      const system = await bootInit([dummyChild(config)]);
      expect(await system.exit).toBe(0);
      const warning =
        'Warning: ROM "config":2: unknown config node <frobnicate> ignored (dummy understands ' +
        '<create_log_connections>, ' +
        ('<destroy_log_connections>, <log_service>, <consume_ram>, <consume_caps>, <handle_yield_requests>, <sleep>, ' +
          '<sleep_forever>, <log>, <exit>)');
      expect(system.stamped).toEqual([
        // longer than a LOG write takes (Genode's 232 characters): Env.log sends it in two writes, printed as two lines
        `0 [init -> dummy] ${warning.slice(0, 232)}`,
        `0 [init -> dummy] ${warning.slice(232)}`,
        '0 [init -> dummy] Error: ROM "config":3: attribute ms="soon" is not a number (write e.g. ms="42", ms="0x2a" ' +
          'or, for sizes, ms="16M")',
        '0 [init -> dummy] still here',
      ]);
    },
  );
});
