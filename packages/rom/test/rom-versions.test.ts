import type { QuotaState } from '@os/kernel';
import { AttachedRomDataspace, type ComponentModule, SignalHandler } from '@os/runtime';
import { Timer } from '@os/timer';
import { describe, expect, it } from 'vitest';
import { Report, Rom, RomModules, reportRom } from '../src/index.js';
import type { RouteRuleValue, StartEntryValue } from '@os/init';
import {
  type TestSystem,
  bootInit,
  changingRomServer,
  clientChild,
  configRom,
  initConfig,
  describeError,
  producer,
  reportRomChild,
  routesTo,
  script,
  spied,
  toReportRom,
} from './fixtures.js';

const decoder = new TextDecoder();

/** The version a ROM's text shows (`v1` of `v1` or of `<config v="v1"/>`), or the text when it shows none. */
function versionOf(text: string): string {
  return /v\d+/.exec(text)?.[0] ?? text;
}

/**
 * A reader that lags behind its ROM `name`: signalled of a new version, it reads on without updating while the
 * next version arrives, then updates; it logs what it reads at each point and exits after the second signal.
 */
const laggard = (name: string): ComponentModule => ({
  async construct(env) {
    const timer = await Timer.Connection.open(env);
    await timer.msleep(5);
    const rom = await AttachedRomDataspace.open(env, name);
    const read = (): string => versionOf(rom.text());
    let signals = 0;
    await rom.sigh(
      new SignalHandler(env.ep, async () => {
        try {
          if (++signals === 1) {
            await env.log(`signalled, reads without updating: ${read()}`);
            await timer.msleep(20);
            await env.log(`a newer version came meanwhile, reads without updating: ${read()}`);
            await rom.update();
            await env.log(`updated: ${read()}`);
          } else {
            await rom.update();
            await env.log(`signalled again, updated: ${read()}`);
            await env.parent.exit(0);
          }
        } catch (error) {
          await env.log(describeError(error));
          await env.parent.exit(1);
        }
      }),
    );
    await env.log(`${name}: ${read()}`);
  },
});

/**
 * A reader that fetches ROM `name`'s dataspace and attaches it only after two newer versions arrived: the gap
 * between `dataspace()` and the attach that `AttachedRomDataspace.update` has, made wide.
 */
const slowAttacher = (name: string): ComponentModule => ({
  async construct(env) {
    const timer = await Timer.Connection.open(env);
    await timer.msleep(5);
    const rom = await Rom.Connection.open(env, name);
    try {
      const first = await rom.dataspace();
      await env.log('fetched');
      await timer.msleep(20);
      const bytes = env.rm.attach(first);
      await env.log(`attached after two newer versions: ${versionOf(decoder.decode(bytes))}`);
      await env.log(`current: ${await rom.update()}`);
      const newest = env.rm.attach(await rom.dataspace());
      await env.log(`fetched again: ${versionOf(decoder.decode(newest))}; the old one is freed: ${bytes.length === 0}`);
    } catch (error) {
      await env.log(describeError(error));
    }
    await env.parent.exit(0);
  },
});

/** What the laggard logs against a server that has v1 when it opens, then v2, then v3 while it sleeps. */
const laggardLines = (name: string): string[] => [
  `[init -> reader] ${name}: v1`,
  '[init -> reader] signalled, reads without updating: v1',
  '[init -> reader] a newer version came meanwhile, reads without updating: v1',
  '[init -> reader] updated: v3',
  '[init -> reader] signalled again, updated: v3',
];

/** What the slow attacher logs against a server that has v1 when it fetches, then v2 and v3 before it attaches. */
const slowAttacherLines = [
  '[init -> reader] fetched',
  '[init -> reader] attached after two newer versions: v1',
  '[init -> reader] current: false',
  '[init -> reader] fetched again: v3; the old one is freed: true',
];

/**
 * A ROM server under test, set up to show ROM `rom` as v1 from the start, then v2 and v3: at 10 ms and 20 ms, or as
 * the reader's lines say.
 */
interface Server {
  readonly name: string;
  /** The ROM the reader reads. */
  readonly rom: string;
  /** Boots `reader` (child "reader") with the server. */
  boot(reader: ComponentModule): Promise<TestSystem>;
}

/**
 * The versions that come as the reader's lines say (for servers whose versions the host makes): v2 once it read v1
 * or fetched, v3 once it was signalled or fetched.
 */
function onReaderLine(line: string, name: string, make: (version: string) => void): void {
  if (line === `[init -> reader] ${name}: v1` || line === '[init -> reader] fetched') make('v2');
  if (line.startsWith('[init -> reader] signalled, reads') || line === '[init -> reader] fetched') make('v3');
}

/** The reader as init's child, with `config` as its `<config>`. */
function readerChild(routes: readonly RouteRuleValue[], config?: string): StartEntryValue {
  return clientChild('reader', routes, config === undefined ? {} : { config });
}

const versions = { v1: 1, v2: 10, v3: 20 };

const servers: readonly Server[] = [
  {
    name: 'report_rom',
    rom: 'weather',
    boot: (reader) =>
      bootInit(
        [
          reportRomChild('<config><policy label="reader -> weather" report="station -> weather"/></config>'),
          { name: 'station', ram: 1 << 20, caps: 100, routes: toReportRom },
          clientChild('reader', toReportRom),
        ],
        {
          reader,
          station: producer(Object.entries(versions).map(([report, at]) => ({ at, report }))),
        },
      ),
  },
  {
    name: 'RomService',
    rom: 'weather',
    boot: (reader) =>
      bootInit(
        [
          { name: 'roms', ram: 1 << 20, caps: 100, provides: ['ROM'] },
          clientChild('reader', routesTo({ ROM: 'roms', Timer: 'timer' })),
        ],
        {
          reader,
          roms: changingRomServer(new RomModules({ weather: 'v1' }), [
            { at: versions.v2, name: 'weather', content: 'v2' },
            { at: versions.v3, name: 'weather', content: 'v3' },
          ]),
        },
      ),
  },
  {
    // core's boot modules change when the host replaces one
    name: 'core',
    rom: 'weather',
    boot: (reader) =>
      bootInit(
        [readerChild(routesTo({ Timer: 'timer' }))],
        { reader },
        (line, system) =>
          onReaderLine(line, 'weather', (version) =>
            system().core.updateRom('weather', new TextEncoder().encode(version)),
          ),
        { weather: 'v1' },
      ),
  },
  {
    // init's config ROM of a child changes when init's own config gives the child a new <config>
    name: "init's config ROM",
    rom: 'config',
    boot: (reader) => {
      const children = (version: string): StartEntryValue[] => [
        readerChild(routesTo({ Timer: 'timer' }), `<config version="${version}"/>`),
      ];
      return bootInit(children('v1'), { reader }, (line, system) =>
        onReaderLine(line, 'config', (version) =>
          system().core.updateRom('config', configRom(initConfig(children(version)))),
        ),
      );
    },
  },
];

describe.each(servers)("ROM versions ($name): a client's dataspace stays until it fetches again", (server) => {
  it('a client signalled of a new version reads its own version until it updates, however many arrive', async () => {
    const system = await server.boot(laggard(server.rom));
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual(laggardLines(server.rom));
  });

  it('attaches the dataspace it fetched after newer versions came, with the version fetched, no error', async () => {
    const system = await server.boot(slowAttacher(server.rom));
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual(slowAttacherLines);
  });
});

/** `n` bytes of the letter `letter`: one page-rounded copy each, whatever the letter. */
function version(letter: string, n = 3000): string {
  return letter.repeat(n);
}

/** The server's quota at each marker line the client logs (`[init -> client] <marker>`). */
function sampler(server: ReturnType<typeof spied>): {
  readonly samples: Map<string, QuotaState>;
  onLine(line: string): void;
} {
  const samples = new Map<string, QuotaState>();
  return {
    samples,
    onLine(line) {
      const marker = /^\[init -> client\] (\w[\w ]*)$/.exec(line);
      if (marker !== null) samples.set(marker[1] as string, server.quota());
    },
  };
}

/** Checks the samples the never-fetching client's markers took: at most one old version held, all freed at close. */
function expectOneOldVersionAtMost(samples: Map<string, QuotaState>): void {
  const at = (marker: string): QuotaState => samples.get(marker) as QuotaState;
  // the version the client fetched, plus the newest: one page each
  expect(at('one newer').ramUsed - at('fetched').ramUsed).toBe(4096);
  expect(at('one newer').capUsed - at('fetched').capUsed).toBe(1);
  // eight more versions that the client never fetched change nothing
  expect(at('nine newer').ramUsed).toBe(at('one newer').ramUsed);
  expect(at('nine newer').capUsed).toBe(at('one newer').capUsed);
  // fetching the newest frees the old one
  expect(at('fetched again').ramUsed).toBe(at('fetched').ramUsed);
  expect(at('fetched again').capUsed).toBe(at('fetched').capUsed);
  expect(at('closed')).toEqual(at('before'));
}

describe('ROM versions: a client that never fetches', () => {
  it('makes report_rom hold at most one old version for it, paid by its donation', async () => {
    const server = spied(reportRom);
    const { samples, onLine } = sampler(server);
    const letters = 'abcdefghij';
    const client = script(async (env, timer) => {
      await timer.msleep(1);
      await env.log('before');
      const report = await Report.Connection.open(env, 'big', 4096);
      await report.submit(version('a'));
      const rom = await Rom.Connection.open(env, 'big');
      const held = env.rm.attach(await rom.dataspace());
      await env.log('fetched');
      await report.submit(version('b'));
      await env.log('one newer');
      for (const letter of letters.slice(2)) await report.submit(version(letter));
      await env.log('nine newer');
      await env.log(`still reads its version: ${decoder.decode(held) === version('a')}`);
      const newest = env.rm.attach(await rom.dataspace());
      await env.log('fetched again');
      await env.log(`reads the newest: ${decoder.decode(newest) === version('j')}`);
      await rom.close();
      await report.close();
      await env.log('closed');
    });
    const system = await bootInit(
      [
        reportRomChild('<config><policy label="client -> big" report="client -> big"/></config>'),
        clientChild('client', toReportRom),
      ],
      { client, report_rom: server.module },
      onLine,
    );
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual([
      '[init -> client] before',
      '[init -> client] fetched',
      '[init -> client] one newer',
      '[init -> client] nine newer',
      '[init -> client] still reads its version: true',
      '[init -> client] fetched again',
      '[init -> client] reads the newest: true',
      '[init -> client] closed',
    ]);
    expectOneOldVersionAtMost(samples);
  });

  it('makes a RomService hold at most one old version for it', async () => {
    const server = spied(
      changingRomServer(
        new RomModules({ big: version('a') }),
        [...'bcdefghij'].map((letter, i) => ({ at: 10 * (i + 1), name: 'big', content: version(letter) })),
      ),
    );
    const { samples, onLine } = sampler(server);
    const client = script(async (env, timer) => {
      await timer.msleep(1);
      await env.log('before');
      const rom = await Rom.Connection.open(env, 'big');
      const held = env.rm.attach(await rom.dataspace());
      await env.log('fetched');
      await timer.msleep(14);
      await env.log('one newer');
      await timer.msleep(80);
      await env.log('nine newer');
      await env.log(`still reads its version: ${decoder.decode(held) === version('a')}`);
      const newest = env.rm.attach(await rom.dataspace());
      await env.log('fetched again');
      await env.log(`reads the newest: ${decoder.decode(newest) === version('j')}`);
      await rom.close();
      await env.log('closed');
    });
    const system = await bootInit(
      [
        { name: 'roms', ram: 1 << 20, caps: 100, provides: ['ROM'] },
        clientChild('client', routesTo({ ROM: 'roms', Timer: 'timer' })),
      ],
      { client, roms: server.module },
      onLine,
    );
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual([
      '[init -> client] before',
      '[init -> client] fetched',
      '[init -> client] one newer',
      '[init -> client] nine newer',
      '[init -> client] still reads its version: true',
      '[init -> client] fetched again',
      '[init -> client] reads the newest: true',
      '[init -> client] closed',
    ]);
    expectOneOldVersionAtMost(samples);
  });
});
