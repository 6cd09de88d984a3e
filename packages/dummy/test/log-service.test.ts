import { describe, expect, it } from 'vitest';
import { bootInit, dummyChild, routesTo } from './fixtures.js';

/** A dummy `s` providing LOG with the config `<config><log_service .../></config>`. */
const server = (logService: string) => ({
  name: 's',
  binary: 'dummy',
  ram: 1 << 20,
  caps: 50,
  provides: ['LOG'],
  config: `<config>${logService}</config>`,
});

// The client sleeps first: a session request routed to a sibling that has not announced yet blocks
// init's entrypoint until it does, and the server needs init (for its config ROM) before announcing.
describe('dummy: <log_service>', () => {
  it("provides LOG: a line of client c shows up in server s's LOG as [init -> s] [c] text", async () => {
    const system = await bootInit([
      server('<log_service/>'),
      dummyChild('<config><sleep ms="10"/><log string="text"/><exit/></config>', {
        name: 'c',
        routes: routesTo({ LOG: 's', Timer: 'timer' }),
      }),
    ]);
    expect(await system.exit).toBe(0);
    expect(system.stamped).toEqual(['0 [init -> s] created LOG service', '10000 [init -> s] [c] text']);
  });

  it(
    "verbose: logs each session's opening and closing and each quota upgrade; delay_close_ms delays each close on " +
      'virtual time',
    async () => {
      const client =
        '<config><sleep ms="10"/><create_log_connections count="1" ' +
        'ram_upgrade="4K"/><destroy_log_connections/><exit/></config>';
      const system = await bootInit([
        server('<log_service verbose="yes" delay_close_ms="30"/>'),
        dummyChild(client, { name: 'c', routes: routesTo({ LOG: 's', Timer: 'timer' }) }),
      ]);
      expect(await system.exit).toBe(0);
      expect(system.stamped).toEqual([
        '0 [init -> s] created LOG service',
        '0 [init -> s] opening session with label c',
        '10000 [init -> s] [c] going to create 1 LOG connections',
        '10000 [init -> s] opening session with label c -> 0',
        '10000 [init -> s] [c] upgrade connection 0',
        '10000 [init -> s] received session quota upgrade',
        '10000 [init -> s] [c] created all LOG connections',
        '10000 [init -> s] delay close by 30 ms',
        '40000 [init -> s] closing session with label c -> 0',
        '40000 [init -> s] [c] destroyed all LOG connections',
      ]);
    },
  );

  it('without delay_close_ms, closes at once and says so', async () => {
    const system = await bootInit([
      server('<log_service/>'),
      dummyChild(
        '<config><sleep ms="10"/><create_log_connections count="1"/><destroy_log_connections/><exit/></config>',
        {
          name: 'c',
          routes: routesTo({ LOG: 's', Timer: 'timer' }),
        },
      ),
    ]);
    expect(await system.exit).toBe(0);
    expect(system.stamped).toEqual([
      '0 [init -> s] created LOG service',
      '10000 [init -> s] [c] going to create 1 LOG connections',
      '10000 [init -> s] [c] created all LOG connections',
      '10000 [init -> s] close session without delay',
      '10000 [init -> s] [c] destroyed all LOG connections',
    ]);
  });

  it("cuts a relayed line to 99 characters, as Genode's String<100>", async () => {
    const name = 'a-client-whose-name-is-long-enough-to-push-the-line-past-99';
    const text = '0123456789'.repeat(4);
    const system = await bootInit([
      server('<log_service/>'),
      dummyChild(`<config><sleep ms="10"/><log string="${text}"/><exit/></config>`, {
        name,
        routes: routesTo({ LOG: 's', Timer: 'timer' }),
      }),
    ]);
    expect(await system.exit).toBe(0);
    const relayed = `[${name}] ${text}`;
    expect(relayed.length).toBeGreaterThan(99);
    expect(system.lines).toEqual(['[init -> s] created LOG service', `[init -> s] ${relayed.slice(0, 99)}`]);
  });
});
