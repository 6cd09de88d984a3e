import type { Clock, Kernel, KernelFactory, TraceHook } from '@os/kernel';
import { VirtualClock, errorCode } from '@os/kernel';
import type { ComponentModule } from './component.js';
import { type BinaryResolver, Core } from './core/core.js';

/** A system: its first component and what core serves. */
export interface SystemDescription {
  /** The binary core starts first (Genode: `init`). */
  readonly init: string;
  /** Name of that first component, its label element. Default: the binary's name. */
  readonly name?: string;
  /** Resolves binary names to component modules. */
  readonly binaries: BinaryResolver;
  /** Boot modules core serves as ROMs, by name. */
  readonly roms?: ReadonlyMap<string, Uint8Array>;
  /** RAM of the machine, in bytes. Default 256 MiB. */
  readonly ram?: number;
  /** Capabilities of the machine. Default 100 000. */
  readonly caps?: number;
}

/** How to boot. */
export interface BootOptions {
  /** The kernel factory (`createHwKernel`, ...). */
  readonly kernel: KernelFactory;
  /** The clock; a `VirtualClock` runs the system on virtual time. Default: the kernel's own. */
  readonly clock?: Clock;
  /** Where LOG lines go. Default: collected in `SystemHandle.lines` only. */
  readonly log?: (line: string) => void;
  /** Receives every kernel operation. */
  readonly trace?: TraceHook;
  /**
   * On virtual time, what a system that can go on no more does: `'fail'` (default) rejects `exit`
   * with `SystemStalledError`; `'wait'` reports the error to `onStall` and waits for a boot module to
   * change (`core.updateRom`), then goes on.
   */
  readonly whenStalled?: 'fail' | 'wait';
  /** Told each time the system stalls under `whenStalled: 'wait'`. */
  readonly onStall?: (error: SystemStalledError) => void;
  /**
   * Stops driving the virtual clock when aborted: `exit` then rejects with the signal's reason (for runs that never end
   * by themselves, such as heartbeat-monitored systems).
   */
  readonly signal?: AbortSignal;
  /**
   * Told each report submitted to core's Report service, with its session label (the top init's state report:
   * `init -> state`).
   */
  readonly onReport?: (label: string, report: Uint8Array) => void;
}

/** Why a run ended without an exit value. */
export class SystemStalledError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_SYSTEM_STALLED`: compare it, not the class, to recognise an error from another
   * copy of this package.
   */
  readonly code: string;

  /** The code of this class's errors (`SystemStalledError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error at virtual time `at` (microseconds), with what the components were waiting for. */
  constructor(
    /** The virtual time, in microseconds, at which the system stalled. */
    readonly at: number,
    /** Who waits on what, one line each (`hello waits for a "Timer" session ...`). */
    readonly waits: readonly string[] = [],
  ) {
    super(
      `nothing can happen any more at virtual time ${at} us: no timer is armed, no call or signal is pending, and ` +
        `no component has exited` +
        (waits.length === 0 ? '' : `\n${waits.map((line) => `  ${line}`).join('\n')}`),
    );
    this.name = 'SystemStalledError';
    this.code = errorCode(new.target.name);
  }
}

/** A booted system. */
export interface SystemHandle {
  /** The kernel it runs on. */
  readonly kernel: Kernel;
  /** core. */
  readonly core: Core;
  /** Every LOG line so far. */
  readonly lines: readonly string[];
  /**
   * Resolves with the first component's exit value. On virtual time this also drives the clock:
   * whenever nothing else can run it jumps to the next timer; if none is armed it rejects with
   * `SystemStalledError`.
   */
  readonly exit: Promise<number>;
}

/** The RAM of a machine whose system description names none: 256 MiB, of which core lends init less than half. */
export const DEFAULT_MACHINE_RAM = 256 * 1024 * 1024;
/** The capabilities of a machine whose system description names none: 100 000, less than half of them init's. */
export const DEFAULT_MACHINE_CAPS = 100_000;

async function quiescent(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Boots `system`: core on a fresh kernel, then the first component with all quota core can spare. */
export async function boot(system: SystemDescription, options: BootOptions): Promise<SystemHandle> {
  const kernel = options.kernel(options.clock === undefined ? {} : { clock: options.clock });
  if (options.trace !== undefined) kernel.setTrace(options.trace);
  const lines: string[] = [];
  const sink = (line: string): void => {
    lines.push(line);
    options.log?.(line);
  };
  const ram = system.ram ?? DEFAULT_MACHINE_RAM;
  const caps = system.caps ?? DEFAULT_MACHINE_CAPS;
  const core = new Core({
    kernel,
    ram,
    caps,
    binaries: system.binaries,
    roms: system.roms ?? new Map(),
    log: sink,
    ...(options.onReport === undefined ? {} : { onReport: options.onReport }),
  });
  let exitValue: number | null = null;
  let exited: (value: number) => void = () => undefined;
  const exitPromise = new Promise<number>((resolve) => {
    exited = (value) => {
      if (exitValue !== null) return;
      exitValue = value;
      resolve(value);
    };
  });
  const name = system.name ?? system.init;
  const spare = kernel.quota(core.pd);
  await core.startInit(
    system.init,
    name,
    Math.floor((spare.ramLimit - spare.ramUsed) / 2),
    Math.floor((spare.capLimit - spare.capUsed) / 2),
    exited,
  );
  const clock = kernel.clock;
  let exit = exitPromise;
  if (clock instanceof VirtualClock) {
    exit = (async () => {
      for (;;) {
        await quiescent();
        await core.loaded();
        await quiescent();
        if (exitValue !== null) return exitValue;
        // a binary that began loading after the check (an import takes macrotasks) holds the clock too
        if (core.loading) continue;
        options.signal?.throwIfAborted();
        if (clock.advance()) continue;
        const stalled = new SystemStalledError(clock.now(), core.waits.describe());
        if (options.whenStalled !== 'wait') throw stalled;
        options.onStall?.(stalled);
        await core.nextRomUpdate();
      }
    })();
  }
  return { kernel, core, lines, exit };
}

/** Resolves binary names from a fixed table of component modules. */
export function binaryTable(table: Readonly<Record<string, ComponentModule>>): BinaryResolver {
  return async (name) => {
    const module = Object.hasOwn(table, name) ? table[name] : undefined;
    if (module === undefined) throw new Error(`no binary "${name}" (known: ${Object.keys(table).join(', ')})`);
    return module;
  };
}
