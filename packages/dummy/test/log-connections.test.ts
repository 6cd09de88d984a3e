import { ROM_SESSION_RAM } from '@os/runtime';
import { PD_SESSION_CAPS } from '@os/runtime/host';
import { TIMER_SESSION_CAPS, TIMER_SESSION_RAM } from '@os/timer';
import { describe, expect, it } from 'vitest';
import { LOG_SESSION_CAPS, LOG_SESSION_RAM } from '../src/index.js';
import { HOSTED, bootHost, bootInit, dummyChild } from './fixtures.js';

describe('dummy: <create_log_connections> and <destroy_log_connections>', () => {
  it(
    'opens count LOG sessions, upgrades each by ram_upgrade, closes them all, and the quota comes back to the ' +
      'byte',
    async () => {
      const config = `<config>
  <sleep ms="100"/>
  <create_log_connections count="2" ram_upgrade="4K"/>
  <sleep ms="100"/>
  <destroy_log_connections/>
  <sleep ms="100"/>
  <exit/>
</config>`;
      const system = await bootHost(config, [
        { at: 50, action: 'quota' },
        { at: 150, action: 'quota' },
        { at: 250, action: 'quota' },
      ]);
      expect(await system.exit).toBe(0);
      // held throughout: its PD session's own cap (in core), the env's LOG session (opened before construct), the
      // config ROM and the Timer session of <sleep>
      const envLogCaps = 1;
      const ram = HOSTED.ram - ROM_SESSION_RAM - TIMER_SESSION_RAM;
      const caps = HOSTED.caps - PD_SESSION_CAPS - envLogCaps - 2 - TIMER_SESSION_CAPS;
      const quotaLine = (line: string | undefined) => line?.replace(/ used \d+/g, '');
      expect(system.stamped.map(quotaLine)).toEqual([
        `50000 [init -> host] dummy quota: ram ${ram}, caps ${caps}`,
        '100000 [init -> host -> dummy] going to create 2 LOG connections',
        '100000 [init -> host -> dummy] upgrade connection 0',
        '100000 [init -> host -> dummy] upgrade connection 1',
        '100000 [init -> host -> dummy] created all LOG connections',
        `150000 [init -> host] dummy quota: ram ${ram - 2 * (LOG_SESSION_RAM + 4096)}, ` +
          `caps ${caps - 2 * LOG_SESSION_CAPS}`,
        '200000 [init -> host -> dummy] destroyed all LOG connections',
        `250000 [init -> host] dummy quota: ram ${ram}, caps ${caps}`,
      ]);
    },
  );

  it(
    'a second <create_log_connections> first destroys those it holds; <destroy_log_connections> without any does ' +
      'nothing',
    async () => {
      const config = `<config>
  <create_log_connections count="1"/>
  <create_log_connections count="2"/>
  <destroy_log_connections/>
  <destroy_log_connections/>
  <exit/>
</config>`;
      const system = await bootInit([dummyChild(config)]);
      expect(await system.exit).toBe(0);
      expect(system.lines).toEqual([
        '[init -> dummy] going to create 1 LOG connections',
        '[init -> dummy] created all LOG connections',
        '[init -> dummy] destroyed all LOG connections',
        '[init -> dummy] going to create 2 LOG connections',
        '[init -> dummy] created all LOG connections',
        '[init -> dummy] destroyed all LOG connections',
      ]);
    },
  );
});
