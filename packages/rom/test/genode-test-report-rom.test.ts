import { AttachedRomDataspace, type ComponentModule, type Env, Reporter, SignalHandler } from '@os/runtime';
import { ServiceDenied } from '@os/session';
import { Timer } from '@os/timer';
import { describe, expect, it } from 'vitest';
import { bootInit, reportRomChild, routesTo } from './fixtures.js';

/**
 * Genode's `repos/os/src/test/report_rom/main.cc`, step by step: one component reports its
 * brightness and reads it back as a ROM through report_rom.
 */
const testReportRom: ComponentModule = {
  async construct(env: Env) {
    const timer = await Timer.Connection.open(env);
    const brightness = (value: number): string => `<brightness value="${value}"/>`;
    let state: 'first update' | 'timeout' | 'second update' = 'first update';
    await env.log('--- test-report_rom started ---');
    await env.log('Reporter: open session');
    let reporter = await Reporter.open(env, 'brightness');
    await env.log('Reporter: brightness 10');
    await reporter.report(brightness(10));
    await env.log('ROM client: request brightness report');
    const rom = await AttachedRomDataspace.open(env, 'brightness');
    if (!rom.valid()) throw new Error('assertion rom.valid() failed');

    await timer.sigh(
      new SignalHandler(env.ep, async () => {
        if (state !== 'timeout') return;
        await env.log('got timeout');
        await env.log(`         -> ${rom.text()}`);
        await rom.update();
        if (!rom.valid()) throw new Error('assertion rom.valid() failed');
        await env.log('ROM client: ROM is available despite report was closed - OK');
        await env.log('Reporter: start reporting (while the ROM client still listens)');
        reporter = await Reporter.open(env, 'brightness');
        await reporter.report(brightness(99));
        await env.log('ROM client: wait for update notification');
        state = 'second update';
      }),
    );
    await rom.sigh(
      new SignalHandler(env.ep, async () => {
        if (state === 'first update') {
          await env.log('ROM client: got signal');
          await env.log('ROM client: request updated brightness report');
          await rom.update();
          await env.log(`         -> ${rom.text()}`);
          await env.log('Reporter: close report session, wait a bit');
          await reporter.close();
          await timer.triggerOnce(250 * 1000);
          state = 'timeout';
          return;
        }
        if (state === 'second update') {
          await env.log('ROM client: try to open the same report again');
          try {
            await Reporter.open(env, 'brightness');
            await env.log('Error: expected Service_denied');
            await env.parent.exit(-3);
            return;
          } catch (error) {
            if (!(error instanceof ServiceDenied)) throw error;
            await env.log('ROM client: caught Service_denied - OK');
          }
          await env.log('--- test-report_rom finished ---');
          await env.parent.exit(0);
        }
      }),
    );
    await env.log(`         -> ${rom.text()}`);
    await env.log('Reporter: updated brightness to 77');
    await reporter.report(brightness(77));
    await env.log('ROM client: wait for update notification');
  },
};

describe("report_rom: Genode's test-report_rom", () => {
  it(
    'passes: update signalled, ROM kept after the reporter closed, a second reporter of the same label ' + 'denied',
    async () => {
      const system = await bootInit(
        [
          reportRomChild(
            '<config><policy label_prefix="test-report_rom ->" label_suffix="brightness" report="test-report_rom -> ' +
              'brightness"/></config>',
            { ram: '2M' },
          ),
          {
            name: 'test-report_rom',
            ram: '2M',
            caps: 100,
            exit: { propagate: true },
            routes: routesTo({ Timer: 'timer', Report: 'report_rom' }, [
              { service: 'ROM', label: 'brightness', to: { child: 'report_rom' } },
            ]),
          },
        ],
        { 'test-report_rom': testReportRom },
      );
      expect(await system.exit).toBe(0);
      expect(system.lines).toEqual(
        [
          '--- test-report_rom started ---',
          'Reporter: open session',
          'Reporter: brightness 10',
          'ROM client: request brightness report',
          '         -> <brightness value="10"/>',
          'Reporter: updated brightness to 77',
          'ROM client: wait for update notification',
          'ROM client: got signal',
          'ROM client: request updated brightness report',
          '         -> <brightness value="77"/>',
          'Reporter: close report session, wait a bit',
          'got timeout',
          '         -> <brightness value="77"/>',
          'ROM client: ROM is available despite report was closed - OK',
          'Reporter: start reporting (while the ROM client still listens)',
          'ROM client: wait for update notification',
          'ROM client: try to open the same report again',
          'ROM client: caught Service_denied - OK',
          '--- test-report_rom finished ---',
        ].map((line) => `[init -> test-report_rom] ${line}`),
      );
    },
  );
});
