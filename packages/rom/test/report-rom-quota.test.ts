import type { QuotaState } from '@os/kernel';
import { ReportTooLarge } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { Report, Rom, reportRom } from '../src/index.js';
import { attempt, bootInit, clientChild, rawSession, reportRomChild, script, spied, toReportRom } from './fixtures.js';

const bigPolicy = '<config><policy label="client -> big" report="client -> big"/></config>';

describe('report_rom: quotas and bad input', () => {
  it("refuses Report sessions whose donation is short or whose buffer is empty, with Genode's log lines", async () => {
    const client = script(async (env, timer) => {
      await timer.msleep(1);
      await attempt(env, 'Report with 4K for an 8K buffer', () =>
        rawSession(env, 'Report', { label: 'weather', ram_quota: 4096, cap_quota: 3, buffer_size: 8192 }),
      );
      await attempt(env, 'Report with 2 caps', () =>
        rawSession(env, 'Report', { label: 'weather', ram_quota: 4096, cap_quota: 2, buffer_size: 4096 }),
      );
      await attempt(env, 'Report with buffer_size=0', () =>
        rawSession(env, 'Report', { label: 'weather', ram_quota: 4096, cap_quota: 3, buffer_size: 0 }),
      );
      await attempt(env, 'Report with buffer_size=lots', () =>
        rawSession(env, 'Report', { label: 'weather', ram_quota: 4096, cap_quota: 3, buffer_size: 'lots' }),
      );
    });
    const system = await bootInit([reportRomChild(bigPolicy), clientChild('client', toReportRom)], { client });
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual([
      '[init -> report_rom] Error: insufficient ram donation from client -> weather',
      '[init -> client] Report with 4K for an 8K buffer: InsufficientRamQuota: Report "client -> weather": ' +
        'a Report session needs 8K of RAM (a buffer of 8192 bytes, page-rounded), the request donated 4K',
      '[init -> client] Report with 2 caps: InsufficientCapQuota: Report "client -> weather": a Report session ' +
        'needs 3 capabilities, the request donated 2',
      '[init -> report_rom] Error: zero-length report requested by client -> weather',
      '[init -> client] Report with buffer_size=0: ServiceDenied: Report "client -> weather": buffer_size=0 leaves ' +
        "no room for a report; ask for the largest report's size",
      // longer than one LOG write takes (Genode's 232 characters): the rest follows on a second line
      '[init -> client] Report with buffer_size=lots: ServiceDenied: Report "client -> weather": session arguments ' +
        '"ram_quota=4096, cap_quota=3, buffer_size=\\"lots\\", label=\\"client -> weather\\"", at character 0: ' +
        '"buffer_size" must be a non-negative intege',
      '[init -> client] r with an optional K, M or G suffix, got "lots"',
    ]);
  });

  it('refuses a report larger than the buffer with ReportTooLarge, at the connection and at the server', async () => {
    const client = script(async (env, timer) => {
      await timer.msleep(1);
      const report = await Report.Connection.open(env, 'weather', 4096);
      await attempt(env, 'submit of 5000 bytes', () => report.submit('x'.repeat(5000)));
      await attempt(env, 'Report.submit(5000) on the session', () => report.session.submit(5000));
      await attempt(env, 'submit of 4096 bytes', () => report.submit('x'.repeat(4096)));
      await env.log(
        `ReportTooLarge crosses as ` +
          `itself: ${await report.session.submit(4097).catch((error: unknown) => error instanceof ReportTooLarge)}`,
      );
      await report.close();
    });
    const system = await bootInit([reportRomChild(bigPolicy), clientChild('client', toReportRom)], { client });
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual([
      '[init -> client] submit of 5000 bytes: ReportTooLarge: a report of 5000 bytes does not fit the buffer of ' +
        '4096 bytes (open the connection with a larger bufferSize, or use Reporter, which grows it)',
      '[init -> client] Report.submit(5000) on the session: ReportTooLarge: a report of 5000 bytes does not fit the ' +
        "session's buffer of 4096 bytes (open the session with a larger buffer_size)",
      '[init -> client] submit of 4096 bytes: ok',
      '[init -> client] ReportTooLarge crosses as itself: true',
    ]);
  });

  it(
    'refuses ROM sessions whose donation does not cover the report, and denies a second reporter of a ' + 'label',
    async () => {
      const client = script(async (env, timer) => {
        await timer.msleep(1);
        const report = await Report.Connection.open(env, 'big', 8192);
        await report.submit('x'.repeat(5000));
        await attempt(env, 'ROM with 4K for a 5000-byte report', () =>
          rawSession(env, 'ROM', { label: 'big', ram_quota: 4096, cap_quota: 2 }),
        );
        await attempt(env, 'ROM with 1 cap', () =>
          rawSession(env, 'ROM', { label: 'big', ram_quota: 16384, cap_quota: 1 }),
        );
        await attempt(env, 'ROM with 16K and 2 caps', async () =>
          (await rawSession(env, 'ROM', { label: 'big', ram_quota: 16384, cap_quota: 2 })).close(),
        );
        await attempt(env, 'a second Report session "big"', () => Report.Connection.open(env, 'big', 8192));
        await report.close();
        await attempt(env, 'a Report session "big" after the first closed', async () =>
          (await Report.Connection.open(env, 'big', 8192)).close(),
        );
      });
      const system = await bootInit([reportRomChild(bigPolicy), clientChild('client', toReportRom)], { client });
      expect(await system.exit).toBe(0);
      expect(system.lines).toEqual([
        '[init -> client] ROM with 4K for a 5000-byte report: InsufficientRamQuota: ROM "client -> big" (report ' +
          '"client -> big"): a ROM session needs 16K of RAM (two copies of the content, page-rounded), the request ' +
          'donated 4K',
        '[init -> client] ROM with 1 cap: InsufficientCapQuota: ROM "client -> big" (report "client -> big"): a ROM ' +
          'session needs 2 capabilities, the request donated 1',
        '[init -> client] ROM with 16K and 2 caps: ok',
        '[init -> client] a second Report session "big": ServiceDenied: report "client -> big" already has a Report ' +
          'session; report_rom takes one reporter per label (close the other, or label this one differently)',
        '[init -> client] a Report session "big" after the first closed: ok',
      ]);
    },
  );

  it("gives back everything when the sessions close: the server PD's quota is what it was before", async () => {
    const server = spied(reportRom);
    const samples = new Map<string, QuotaState>();
    const client = script(async (env, timer) => {
      await timer.msleep(1);
      await env.log('before');
      const report = await Report.Connection.open(env, 'big', 8192);
      const rom = await Rom.Connection.open(env, 'big');
      await report.submit('x'.repeat(5000));
      await report.submit('y'.repeat(6000));
      await rom.dataspace();
      await env.log('open');
      await rom.close();
      await report.close();
      await env.log('closed');
    });
    const system = await bootInit(
      [reportRomChild(bigPolicy), clientChild('client', toReportRom)],
      { client, report_rom: server.module },
      (line) => {
        const marker = /^\[init -> client\] (before|open|closed)$/.exec(line);
        if (marker !== null) samples.set(marker[1] as string, server.quota());
      },
    );
    expect(await system.exit).toBe(0);
    const before = samples.get('before') as QuotaState;
    const open = samples.get('open') as QuotaState;
    // donated: the Report buffer (8K) and the ROM session's 64K; used: the buffer and the ROM's copy of 6000 bytes
    expect(open.ramLimit - before.ramLimit).toBe(8192 + 65536);
    expect(open.capLimit - before.capLimit).toBe(3 + 2);
    expect(open.ramUsed - before.ramUsed).toBe(8192 + 8192);
    expect(open.capUsed).toBeGreaterThan(before.capUsed);
    expect(samples.get('closed')).toEqual(before);
  });
});

describe('report_rom: short of RAM', () => {
  it(
    'refuses a report whose copies for its readers do not fit its RAM as too large; every reader keeps its version ' +
      'and later reports go on',
    async () => {
      const client = script(async (env, timer) => {
        await timer.msleep(1);
        const report = await Report.Connection.open(env, 'big', 96 * 1024);
        const rom = await Rom.Connection.open(env, 'big', 4096);
        await report.submit('small');
        await rom.dataspace();
        await attempt(env, 'a report of 90K', () => report.submit('x'.repeat(90 * 1024)));
        await env.log(`the reader holds the current version: ${await rom.update()}`);
        await report.submit('after');
        await env.log(
          `after a report that ` +
            `fits: ${await rom.update()}, ${new TextDecoder().decode(env.rm.attach(await rom.dataspace()))}`,
        );
      });
      const system = await bootInit(
        [reportRomChild(bigPolicy, { ram: 128 * 1024 }), clientChild('client', toReportRom)],
        { client },
      );
      expect(await system.exit).toBe(0);
      expect(system.lines.map((line) => line.replace(/has [\d.]+[KMG]? (bytes )?left/, 'has <n> left'))).toEqual([
        `[init -> report_rom] Error: report 'client -> big' of ${90 * 1024} bytes dropped: PD "init -> report_rom" ` +
          `is ` +
          `out of RAM quota: needs 92K, has <n> left; upgrade its quota`,
        '[init -> client] a report of 90K: ReportTooLarge: report_rom lacks the RAM to hand a report of 90K ' +
          'to the ROM sessions showing it; give report_rom more RAM or report less',
        '[init -> client] the reader holds the current version: true',
        '[init -> client] after a report that fits: false, after',
      ]);
    },
  );
});
