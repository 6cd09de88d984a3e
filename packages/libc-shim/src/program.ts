import { QuotaExceededError, hasErrorCode } from '@os/kernel';
import { type Env, AttachedRomDataspace, Rtc, XmlNode } from '@os/runtime';
import { Connection } from '@os/session';
import { Timer } from '@os/timer';
import { componentConsole } from './console.js';
import { readLibcConfig } from './libc-config.js';
import { nodeTimerPromises, nodeTimers } from './node-timers.js';
import { IdleProbe } from './idle-probe.js';
import { ProgramClock } from './program-clock.js';
import { programDate } from './program-date.js';
import { ProgramExit } from './program-exit.js';
import { programMath } from './program-math.js';
import { programProcess } from './program-process.js';
import { parseRtcText } from './rtc-text.js';
import { OrderedLog } from './ordered-log.js';
import { TimerQueue } from './timer-queue.js';
import { RamExhausted, Vfs, type VfsEntryConfig, parseVfsConfig, vfsRomLabels } from './vfs/index.js';
import { nodeBuiltins } from './node/node-builtins.js';
import { ProgramHandles } from './node/program-handles.js';
import { programRequire } from './node/program-require.js';

/** What the shim grants a program's compartment: its globals and the Node built-ins it offers. */
export interface LibcGrant {
  /** `console`, the timer functions, `performance`, `Date`, `process`, ... */
  readonly globals: Readonly<Record<string, unknown>>;
  /** The Node built-ins of {@link LIBC_BUILTINS}, as module namespaces. */
  readonly modules: ReadonlyMap<string, object>;
}

/** A program to run: its config and how to evaluate its module with the shim's grant. */
export interface LibcProgram {
  /** The binary's name: the program's `process.argv[1]`. */
  readonly binary: string;
  /** The component's `<config>`, with its `<libc>`, `<vfs>`, `<arg>` and `<env>` nodes. */
  readonly config: XmlNode;
  /** Evaluates the program's module in a compartment holding `grant`; resolves once evaluation ends. */
  evaluate(grant: LibcGrant): Promise<void>;
}

/** The Node built-ins the shim offers, for errors about the others. */
export const LIBC_BUILTINS = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'timers',
  'node:timers',
  'timers/promises',
  'node:timers/promises',
  'process',
  'node:process',
  'events',
  'node:events',
  'buffer',
  'node:buffer',
  'stream',
  'node:stream',
  'string_decoder',
  'node:string_decoder',
  'net',
  'node:net',
  'tls',
  'node:tls',
  'util',
  'node:util',
  'url',
  'node:url',
  'tty',
  'node:tty',
  'dns',
  'node:dns',
  'assert',
  'node:assert',
] as const;

/** Said when a program imports a Node built-in the shim does not offer. */
export const LIBC_BUILTINS_HINT =
  `the libc shim offers ${LIBC_BUILTINS.filter((name) => !name.startsWith('node:')).join(', ')} (also as node:...); ` +
  'other Node built-ins (child_process, http, os, ...) are not there: a component reaches the rest of the system ' +
  'through sessions';

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Whether the VFS has an `<rtc/>` file anywhere: then the program needs an Rtc session. */
function hasRtc(entries: readonly VfsEntryConfig[]): boolean {
  return entries.some((entry) => entry.type === 'rtc' || (entry.type === 'dir' && hasRtc(entry.entries)));
}

function namespace(value: object): object {
  return { ...value, default: value };
}

/**
 * Runs a Node-style program as the component `env` belongs to, with its environment built from
 * sessions, as Genode's libc does: console to the VFS paths of `<libc stdout stderr>` (a `<log/>`
 * file is the LOG session), timers and `performance.now()` on a Timer session, `Date` from the RTC
 * file `<libc rtc>` names plus the time elapsed since, `fs` over the `<vfs>` (ROM, RAM, LOG, RTC
 * files), `process.argv`/`env` from `<arg>`/`<env>`. The Timer session opens at the program's first
 * use of time (see `ProgramClock`), so a program that never asks for time needs no Timer route; one
 * that does and cannot get the session ends with a `TimerUnavailableError` (exit value 1). The
 * program ends as a Node process does: with `process.exit(n)`, when nothing is pending any more
 * (exit value `process.exitCode`, default 0), or with an uncaught exception (a LOG line naming it,
 * exit value 1).
 */
export async function runLibcProgram(env: Env, program: LibcProgram): Promise<void> {
  const libc = readLibcConfig(program.config);
  const logger = new OrderedLog(env);
  const log = (text: string): void => logger.write(text);
  const vfsConfig = parseVfsConfig(libc.vfs ?? XmlNode.parse('<vfs/>', 'the empty default <vfs>'));
  const roms = new Map<string, AttachedRomDataspace>();
  for (const label of vfsRomLabels(vfsConfig)) {
    try {
      roms.set(label, await AttachedRomDataspace.open(env, label));
    } catch (error) {
      log(`Warning: ROM "${label}" of the <vfs> is not available: ${describe(error)}`);
    }
  }
  const clock = new ProgramClock(
    env.thread,
    () => Timer.Connection.open(env),
    () => void finish(1),
  );
  const needsRtc = libc.rtc !== undefined || hasRtc(vfsConfig.entries);
  const rtcAtStart = needsRtc
    ? await Connection.openSession(env, Rtc, { service: 'Rtc', ram: 0, caps: 1 }).then((rtc) =>
        rtc.session.currentTime(),
      )
    : 0;
  // the VFS's clock (a RAM file's times, the <rtc/> file) takes no Timer, as Genode's rtc file system takes none
  const wallNow = (): number => rtcAtStart + clock.sinceStartUs() / 1000;

  let exited = false;
  let exitCode: number | undefined;
  const finish = async (value: number): Promise<void> => {
    if (exited) return;
    exited = true;
    queue.stop();
    // a program that used time ends only once its Timer session is there: if it never came, with that error
    const timerFailure = await clock.failure();
    if (timerFailure !== undefined) log(`Error: ${describe(timerFailure)}`);
    await logger.flushed();
    await env.parent.exit(timerFailure === undefined ? value : 1);
  };
  const uncaught = (error: unknown): void => {
    if (error instanceof ProgramExit || exited) return;
    log(`Error: uncaught exception: ${describe(error)}`);
    void finish(1);
  };
  // let the program's pending promise reactions run first: the probe fires after the work of this instant
  const probe = new IdleProbe(env, () => {
    if (!exited && queue.active === 0 && handles.active === 0) void finish(exitCode ?? 0);
  });
  const idle = (): void => {
    if (!exited) probe.arm();
  };
  const queue = new TimerQueue(env.ep, clock, uncaught, () => {
    if (handles.active === 0) idle();
  });
  const handles = new ProgramHandles(() => {
    if (queue.active === 0) idle();
  });

  const vfs = new Vfs(
    vfsConfig,
    {
      rom: (label) => roms.get(label)?.bytes,
      ram: {
        alloc: (size) => {
          try {
            const dataspace = env.ram.alloc(Math.max(1, size));
            return { bytes: env.rm.attach(dataspace).subarray(0, size), free: () => env.ram.free(dataspace) };
          } catch (error) {
            if (hasErrorCode(error, QuotaExceededError.code)) throw new RamExhausted(describe(error));
            throw error;
          }
        },
      },
      log: (text) => {
        for (const line of text.replace(/\n$/, '').split('\n')) log(line);
      },
      now: wallNow,
    },
    { cwd: libc.cwd },
  );
  const startWall =
    libc.rtc === undefined
      ? 0
      : parseRtcText(new TextDecoder().decode(vfs.fs.readFileSync(libc.rtc) as Uint8Array), libc.rtc);
  const dateNow = (use: string): number => startWall + Math.floor(clock.read(use) / 1000);
  const write = (path: string | undefined, text: string): void => {
    if (path === undefined || exited) return;
    try {
      vfs.fs.appendFileSync(path, `${text}\n`);
    } catch (error) {
      log(`Warning: cannot write to ${path}: ${describe(error)}`);
    }
  };
  const timers = nodeTimers(queue);
  const process = programProcess({
    argv: [libc.args[0] ?? program.binary, program.binary, ...libc.args.slice(1)],
    env: libc.env,
    cwd: libc.cwd,
    exit: (value) => {
      void finish(value ?? exitCode ?? 0);
      throw new ProgramExit(value ?? exitCode ?? 0);
    },
    exitCode: { get: () => exitCode, set: (value) => (exitCode = value) },
    write: (stream, text) => {
      const path = stream === 'stdout' ? libc.stdout : libc.stderr;
      if (path !== undefined && !exited) vfs.fs.appendFileSync(path, text);
    },
    nowUs: (use) => clock.read(use),
    nextTick: (callback) =>
      queueMicrotask(() => {
        try {
          callback();
        } catch (error) {
          uncaught(error);
        }
      }),
  });
  // timeOrigin is the wall time at start, as read from the RTC: it needs no Timer
  const performance = { now: () => clock.read('performance.now()') / 1000, timeOrigin: startWall };
  const console = componentConsole((stream, text) => write(stream === 'stdout' ? libc.stdout : libc.stderr, text));
  const node = nodeBuiltins({
    env,
    config: program.config,
    timers,
    process,
    console,
    handles,
    warn: (text) => write(libc.stderr, text),
  });
  const builtins = new Map<string, unknown>([
    ['fs', { ...vfs.fs, promises: vfs.promises }],
    ['fs/promises', vfs.promises],
    ['timers', timers],
    ['timers/promises', nodeTimerPromises(timers)],
    ['process', process],
    ...node.values,
  ]);
  // with a <net> node the Net session opens now, before the program runs: the request waits for the net server, and
  // meanwhile no call of the program waits behind it (its calls take turns on the component's one thread)
  if (program.config.hasSubNode('net'))
    await node.access.connection().catch((error: unknown) => log(`Warning: no Net session: ${describe(error)}`));
  const modules = new Map<string, object>();
  for (const [name, value] of builtins) {
    const module = namespace(value as object);
    modules.set(name, module);
    modules.set(`node:${name}`, module);
  }
  const { Buffer } = builtins.get('buffer') as { Buffer: unknown };
  const grant: LibcGrant = {
    globals: {
      console,
      ...timers,
      performance,
      Date: programDate(dateNow),
      Math: programMath(crypto.getRandomValues(new Uint32Array(4))),
      process,
      Buffer,
      require: programRequire(builtins),
    },
    modules,
  };
  try {
    await program.evaluate(grant);
  } catch (error) {
    if (error instanceof ProgramExit) return;
    uncaught(error);
    return;
  }
  if (!exited && queue.active === 0 && handles.active === 0) idle();
}
