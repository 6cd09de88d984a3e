import { BUILTIN_BINARIES, initConfigSystem } from '@os/cli';
import { VirtualClock, hasErrorCode } from '@os/kernel';
import { hardenRealm } from '@os/loader';
import type { ComponentModule } from '@os/runtime';
import { SystemStalledError, boot } from '@os/runtime/host';
import { type KernelChoice, kernelFactory } from './kernel-choice.js';
import { TestSystemError } from './test-system-error.js';

/** When a run that does not end by itself stops. Without one, a run ends only by an exit or a stall. */
export interface RunUntil {
  /** Stop once this many LOG lines (of any component) are out. Lines logged at the same virtual instant may follow. */
  readonly lines?: number;
  /** Stop at this virtual time, in milliseconds: everything due before it has run. */
  readonly virtualMs?: number;
}

/** An init config to boot for a test. */
export interface RunSystemOptions {
  /** The init config, in Genode's XML (as `os run system.xml` reads it, and checked the same way before boot). */
  readonly config: string;
  /**
   * Where binary names resolve (module files, installed packages); its regular files are boot modules (ROMs). Default:
   * the current directory.
   */
  readonly directory?: string;
  /** ROMs besides the directory's files, by name; they win on a clash. */
  readonly roms?: Readonly<Record<string, string | Uint8Array>>;
  /** Binaries known by name besides `init`, `timer`, `dummy` and `report_rom`. */
  readonly binaries?: Readonly<Record<string, ComponentModule>>;
  /** The kernel backend (default `hw`). */
  readonly kernel?: KernelChoice;
  /** Orders events due at the same virtual instant (default 1): one seed, one run. */
  readonly seed?: number;
  /** When to stop a run that does not end by itself. */
  readonly until?: RunUntil;
}

/** How a run ended. */
export type RunEnd =
  /** The system exited (a child with `<exit propagate="yes"/>`), with this value. */
  | { readonly kind: 'exit'; readonly value: number }
  /** {@link RunUntil.lines} were out. */
  | { readonly kind: 'lines' }
  /** {@link RunUntil.virtualMs} was reached. */
  | { readonly kind: 'time' }
  /**
   * Nothing could happen any more: no timer armed, no call or signal pending, no exit; `waits` says who waited on what.
   */
  | { readonly kind: 'stalled'; readonly waits: readonly string[] };

/** What a test run gives back. */
export interface SystemRun {
  /** How it ended. */
  readonly end: RunEnd;
  /** The exit value, when the system exited; else `null`. */
  readonly exit: number | null;
  /** Every LOG line, as `os run` prints it: `[init -> hello] text`. */
  readonly lines: readonly string[];
  /** The virtual time at the end, in microseconds. */
  readonly virtualUs: number;
}

const encoder = new TextEncoder();

function checkUntil(until: RunUntil | undefined): void {
  for (const key of ['lines', 'virtualMs'] as const) {
    const value = until?.[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0))
      throw new TestSystemError(`until.${key} must be a positive number, got ${String(value)}`);
  }
}

/**
 * Boots an init config on virtual time, as `os run --virtual-time` does, and collects its LOG lines
 * until it exits, stalls or reaches `until`. Hardens the realm first (SES `lockdown`, as `os run`
 * does): component files load confined. Rejects with the configuration's error before boot.
 */
export async function runSystem(options: RunSystemOptions): Promise<SystemRun> {
  checkUntil(options.until);
  const kernel = kernelFactory(options.kernel);
  const directory = options.directory ?? process.cwd();
  const roms = new Map(
    Object.entries(options.roms ?? {}).map(([name, content]) => [
      name,
      typeof content === 'string' ? encoder.encode(content) : content,
    ]),
  );
  const system = initConfigSystem(options.config, {
    directory,
    origin: 'config',
    builtins: { ...BUILTIN_BINARIES, ...options.binaries },
    roms,
  });
  await hardenRealm();
  const clock = new VirtualClock(options.seed ?? 1);
  const stop = new AbortController();
  let stopped: RunEnd | undefined;
  const stopWith = (end: RunEnd): void => {
    if (stopped !== undefined) return;
    stopped = end;
    stop.abort(new Error(`the run stopped: ${end.kind}`));
  };
  let count = 0;
  const lineLimit = options.until?.lines;
  const log =
    lineLimit === undefined ? undefined : () => (++count >= lineLimit ? stopWith({ kind: 'lines' }) : undefined);
  const timeLimit = options.until?.virtualMs;
  if (timeLimit !== undefined) clock.schedule(Math.round(timeLimit * 1000), () => stopWith({ kind: 'time' }));
  const handle = await boot(system, { kernel, clock, signal: stop.signal, ...(log === undefined ? {} : { log }) });
  let end: RunEnd;
  try {
    const value = await handle.exit;
    end = { kind: 'exit', value };
  } catch (error) {
    if (stopped !== undefined) end = stopped;
    else if (hasErrorCode<SystemStalledError>(error, SystemStalledError.code))
      end = { kind: 'stalled', waits: error.waits };
    else throw error;
  }
  return { end, exit: end.kind === 'exit' ? end.value : null, lines: [...handle.lines], virtualUs: clock.now() };
}
