import { AttachedRomDataspace } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import {
  bootInit,
  clientChild,
  configRom,
  consumer,
  describeError,
  initConfig,
  producer,
  reportRomChild,
  script,
  toReportRom,
} from './fixtures.js';

const weatherPolicy = '<config><policy label="consumer -> weather" report="producer -> weather"/></config>';

describe('report_rom: reports become ROMs', () => {
  it(
    'a consumer sees each report of the producer as a new version, signalled, and an empty ROM before the ' + 'first',
    async () => {
      const system = await bootInit(
        [
          reportRomChild(weatherPolicy),
          clientChild('producer', toReportRom, { exit: { propagate: false } }),
          clientChild('consumer', toReportRom),
        ],
        {
          producer: producer([
            { at: 10, report: 'sunny' },
            { at: 20, report: 'cloudy' },
            { at: 30, report: 'rain' },
          ]),
          consumer: consumer({ versions: 4 }),
        },
      );
      expect(await system.exit).toBe(0);
      expect(system.stamped).toEqual([
        '0 [init -> consumer] weather: (empty)',
        '10 [init -> consumer] weather: sunny',
        '20 [init -> consumer] weather: cloudy',
        '30 [init -> consumer] weather: rain',
      ]);
    },
  );
});

describe('report_rom: verbose', () => {
  it(
    'with verbose="yes" logs each report as Genode does: report \'<label>\', then its lines indented by ' + 'two',
    async () => {
      const report = '<weather>\n  <today sky="sunny"/>\n  <tomorrow sky="rain"/>\n</weather>\n';
      const system = await bootInit(
        [
          reportRomChild(
            '<config verbose="yes"><policy label="consumer -> weather" report="producer -> weather"/></config>',
          ),
          clientChild('producer', toReportRom, { exit: { propagate: false } }),
          clientChild('consumer', toReportRom),
        ],
        { producer: producer([{ at: 10, report }]), consumer: consumer({ versions: 2 }) },
      );
      expect(await system.exit).toBe(0);
      expect(system.stamped).toEqual([
        '0 [init -> consumer] weather: (empty)',
        "10 [init -> report_rom] report 'producer -> weather'",
        '10 [init -> report_rom]   <weather>',
        '10 [init -> report_rom]     <today sky="sunny"/>',
        '10 [init -> report_rom]     <tomorrow sky="rain"/>',
        '10 [init -> report_rom]   </weather>',
        '10 [init -> consumer] weather: <weather>',
        '10 [init -> consumer]   <today sky="sunny"/>',
        '10 [init -> consumer]   <tomorrow sky="rain"/>',
        '10 [init -> consumer] </weather>',
        '10 [init -> consumer] ',
      ]);
    },
  );
});

/** A reader `reader` that opens each ROM of `roms` (after `delayMs`) and logs its text, or the error that denied it. */
function reader(roms: readonly string[], delayMs = 5) {
  return script(async (env, timer) => {
    await timer.msleep(delayMs);
    for (const name of roms) {
      try {
        const rom = await AttachedRomDataspace.open(env, name);
        await env.log(`${name}: ${rom.valid() ? rom.text() : '(empty)'}`);
        await rom.close();
      } catch (error) {
        await env.log(`${name}: ${describeError(error)}`);
      }
    }
  });
}

describe('report_rom: policies', () => {
  const reports = producer([
    { at: 0, label: 'weather', report: 'sunny' },
    { at: 0, label: 'forecast', report: 'rain' },
    { at: 0, label: 'pressure', report: '1013 hPa' },
  ]);

  it('picks the best-matching <policy> (exact label over prefix over suffix), else the <default-policy>', async () => {
    const config = [
      '<config>',
      '  <policy label_prefix="reader" report="producer -> forecast"/>',
      '  <policy label="reader -> weather" report="producer -> weather"/>',
      '  <policy label_suffix="pressure" report="producer -> pressure"/>',
      '  <default-policy report="producer -> weather"/>',
      '</config>',
    ].join('\n');
    const system = await bootInit(
      [
        reportRomChild(config),
        clientChild('producer', toReportRom, { exit: { propagate: false } }),
        clientChild('reader', toReportRom),
        clientChild('other', toReportRom, { exit: { propagate: false } }),
      ],
      {
        producer: reports,
        reader: reader(['weather', 'tomorrow', 'pressure']),
        other: reader(['pressure', 'anything'], 1),
      },
    );
    expect(await system.exit).toBe(0);
    expect(system.stamped).toEqual([
      '1 [init -> other] pressure: 1013 hPa',
      '1 [init -> other] anything: sunny',
      '1 [init] child "other" exited with exit value 0',
      '5 [init -> reader] weather: sunny',
      '5 [init -> reader] tomorrow: rain',
      '5 [init -> reader] pressure: rain',
    ]);
  });

  it(
    "denies a ROM session no policy matches when there is no <default-policy>, and logs Genode's " + 'warning',
    async () => {
      const system = await bootInit(
        [
          reportRomChild(
            '<config>\n  <policy label="reader -> weather" report="producer -> weather"/>\n  <policy label="reader ' +
              '-> ' +
              'vague"/>\n</config>',
          ),
          clientChild('producer', toReportRom, { exit: { propagate: false } }),
          clientChild('reader', toReportRom),
        ],
        { producer: reports, reader: reader(['weather', 'secret', 'vague']) },
      );
      expect(await system.exit).toBe(0);
      expect(system.stamped).toEqual([
        '5 [init -> reader] weather: sunny',
        "5 [init -> report_rom] Warning: no valid policy for ROM request 'reader -> secret'",
        '5 [init -> reader] secret: ServiceDenied: ROM: no policy matches label "reader -> secret" in ROM "config" ' +
          'and ' +
          'there is no <default-policy>',
        '5 [init -> reader] vague: ServiceDenied: ROM "config":3: the <policy> matching ROM session "reader -> ' +
          'vague" ' +
          'names no report (add report="<label of the Report session>")',
      ]);
    },
  );

  it('applies a new config to sessions opened after it; an open session keeps its report', async () => {
    const before = '<config><policy label_prefix="first" report="producer -> weather"/></config>';
    const after =
      '<config><policy label_prefix="first" report="producer -> forecast"/><policy label_prefix="second" ' +
      'report="producer -> forecast"/></config>';
    const children = (config: string) => [
      reportRomChild(config),
      clientChild('producer', toReportRom),
      clientChild('first', toReportRom, { exit: { propagate: false } }),
    ];
    const binaries = {
      producer: producer([
        { at: 10, label: 'weather', report: 'sunny' },
        { at: 10, label: 'forecast', report: 'rain' },
        { at: 30, label: 'weather', report: 'cloudy' },
        { at: 30, label: 'forecast', report: 'snow' },
        { at: 40, exit: 0 },
      ]),
      first: consumer(),
      second: consumer(),
    };
    let reconfigured = false;
    const system = await bootInit(children(before), binaries, (line, handle) => {
      if (reconfigured || line !== '[init -> first] weather: sunny') return;
      reconfigured = true;
      // init applies the new config: report_rom gets its new <config> as a ROM update, "second" starts
      handle().core.updateRom(
        'config',
        configRom(initConfig([...children(after), clientChild('second', toReportRom, { exit: { propagate: false } })])),
      );
    });
    expect(await system.exit).toBe(0);
    expect(system.stamped).toEqual([
      '0 [init -> first] weather: (empty)',
      '10 [init -> first] weather: sunny',
      '10 [init -> second] weather: rain',
      '30 [init -> first] weather: cloudy',
      '30 [init -> second] weather: snow',
    ]);
  });
});
