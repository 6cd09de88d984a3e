import { type Clock, type Kernel, type KernelFactory, VirtualClock } from '@os/kernel';
import { RealClock } from '@os/kernel/host';
import { createHwKernel } from '@os/kernel-hw';
import { createNovaKernel } from '@os/kernel-nova';
import { createSel4Kernel } from '@os/kernel-sel4';
import { hardenRealm } from '@os/loader';
import { SystemStalledError, boot } from '@os/runtime/host';
import { TargetError, loadSystem } from './target.js';
import { builtinBinaries } from './xml-system.js';
import { watchConfig } from './watch.js';
import { stateFile, stateFileProblem } from './state-file.js';
import { traceToFile } from './trace-file.js';
import { type Running, type Watchdog, namingComponents, startWatchdog } from './watchdog.js';

/** The kernels `--kernel` accepts. */
export const KERNELS: Readonly<Record<string, KernelFactory>> = {
  hw: createHwKernel,
  nova: createNovaKernel,
  sel4: createSel4Kernel,
};

/** How long a run on real time may log nothing before `os run` says that it is running. */
export const QUIET_SECONDS = 3;

/** Exit code when `--timeout` ends a run (as `timeout(1)`). */
export const EXIT_TIMEOUT = 124;
/** Exit code when, on virtual time, nothing can happen any more. */
export const EXIT_STALLED = 2;
/** Exit code for a boot or configuration error. */
export const EXIT_BOOT_ERROR = 1;

/** What `os run` was told. */
export interface RunOptions {
  /** Kernel name. */
  readonly kernel: string;
  /** Run on virtual time. */
  readonly virtualTime: boolean;
  /** Orders same-instant events and seeds random choices (virtual time). */
  readonly seed: number;
  /** Write the kernel trace (JSON Lines) here. */
  readonly trace?: string | undefined;
  /**
   * End the run after this many wall-clock seconds, even when the JavaScript thread never yields (an
   * endless loop or chain of awaits in a component): then a watchdog thread interrupts it, names the
   * component that was running, and ends the process with {@link EXIT_TIMEOUT}.
   */
  readonly timeout?: number | undefined;
  /** Apply each saved edit of the init config target to the running system; a stall waits for edits. */
  readonly watch?: boolean | undefined;
  /** Keep this file holding the top init's latest state report (init needs a `<report>` node to make one). */
  readonly state?: string | undefined;
}

/** Where `os run` writes. */
export interface RunOutput {
  /** LOG lines. */
  stdout(line: string): void;
  /** Errors. */
  stderr(line: string): void;
}

/** Boots `target` and resolves with the exit code `os run` ends with. */
export async function run(target: string, options: RunOptions, output: RunOutput): Promise<number> {
  const factory = KERNELS[options.kernel];
  if (factory === undefined) {
    output.stderr(`os run: unknown kernel "${options.kernel}"; available: ${Object.keys(KERNELS).join(', ')}`);
    return EXIT_BOOT_ERROR;
  }
  if (!Number.isSafeInteger(options.seed)) {
    output.stderr(`os run: --seed must be an integer, got ${options.seed}`);
    return EXIT_BOOT_ERROR;
  }
  if (options.timeout !== undefined && !(options.timeout > 0)) {
    output.stderr(`os run: --timeout must be a positive number of seconds, got ${options.timeout}`);
    return EXIT_BOOT_ERROR;
  }
  const stateProblem = options.state === undefined ? null : stateFileProblem(options.state);
  if (stateProblem !== null) {
    output.stderr(`os run: --state ${options.state}: cannot write there: ${stateProblem}`);
    return EXIT_BOOT_ERROR;
  }
  const clock: Clock = options.virtualTime ? new VirtualClock(options.seed) : new RealClock();
  let kernel: Kernel | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watchdog: Watchdog | undefined;
  let stopWatching = (): void => undefined;
  let stopStallWatch = (): void => undefined;
  let quiet: ReturnType<typeof setTimeout> | undefined;
  try {
    // os run owns its process: component code is confined, which needs the realm hardened first
    await hardenRealm();
    const loaded = await loadSystem(
      target,
      (message) => output.stderr(`os run: Warning: ${message}`),
      builtinBinaries({ virtualTime: options.virtualTime }),
    );
    // with --timeout, each component's code runs inside a function named after it, for the watchdog to name it
    const system = options.timeout === undefined ? loaded : { ...loaded, binaries: namingComponents(loaded.binaries) };
    const trace = options.trace === undefined ? undefined : traceToFile(options.trace, options.kernel, () => clock);
    const timedOut = new Promise<number>((resolve) => {
      if (options.timeout !== undefined) timer = setTimeout(() => resolve(EXIT_TIMEOUT), options.timeout * 1000);
    });
    if (options.timeout !== undefined) {
      const seconds = options.timeout;
      watchdog = startWatchdog(seconds, EXIT_TIMEOUT, (running) =>
        output.stderr(`os run: --timeout of ${seconds} s reached ${hung(running)}`),
      );
    }
    if (options.watch === true && !target.endsWith('.xml')) {
      output.stderr('os run: --watch needs an init config (.xml) as target: it applies each saved edit of that file');
      return EXIT_BOOT_ERROR;
    }
    const watching = options.watch === true;
    // a run on real time that logs nothing for a while says that it runs, once (a virtual-time run is over by then)
    let logged = false;
    if (!options.virtualTime) {
      quiet = setTimeout(() => {
        if (!logged)
          output.stderr(
            `os run: ${target} is running on ${options.kernel}; nothing logged in ${QUIET_SECONDS} s (Ctrl-C ends it)`,
          );
      }, QUIET_SECONDS * 1000);
      quiet.unref();
    }
    const booted = await boot(system, {
      kernel: factory,
      clock,
      log: (line) => {
        logged = true;
        output.stdout(line);
      },
      ...(trace ? { trace } : {}),
      ...(options.state === undefined
        ? {}
        : { onReport: stateFile(options.state, system.name ?? system.init, output.stderr) }),
      ...(watching
        ? {
            whenStalled: 'wait' as const,
            onStall: (stalled: SystemStalledError) =>
              output.stderr(`os run: ${stalled.message}\nos run: waiting for an edit of ${target}`),
          }
        : {}),
    });
    kernel = booted.kernel;
    if (watching) stopWatching = watchConfig(target, booted.core, output);
    // on real time nothing drives the clock: when no timer is armed and nothing else is pending, the
    // event loop empties (Node would end with code 13 and no word); that is the stall virtual time reports
    const stalled = new Promise<number>((resolve) => {
      stopStallWatch = onEmptyEventLoop(() => {
        const waits = booted.core.waits.describe();
        output.stderr(
          'os run: nothing can happen any more: no timer is armed, no call or signal is pending, and no component ' +
            `has exited${waits.map((line) => `\n  ${line}`).join('')}`,
        );
        resolve(EXIT_STALLED);
      });
    });
    const code = await Promise.race([booted.exit, timedOut, stalled]);
    if (code === EXIT_TIMEOUT && options.timeout !== undefined)
      output.stderr(`os run: --timeout of ${options.timeout} s reached`);
    return code;
  } catch (error) {
    if (error instanceof SystemStalledError) {
      output.stderr(`os run: ${error.message}`);
      return EXIT_STALLED;
    }
    if (error instanceof TargetError || error instanceof Error) {
      output.stderr(`os run: ${error.message}`);
      return EXIT_BOOT_ERROR;
    }
    output.stderr(`os run: ${String(error)}`);
    return EXIT_BOOT_ERROR;
  } finally {
    clearTimeout(timer);
    clearTimeout(quiet);
    watchdog?.stop();
    stopWatching();
    stopStallWatch();
    kernel?.setTrace(null);
  }
}

/** The watchdog's words for what kept the JavaScript thread from yielding. */
function hung(running: Running): string {
  const where = running.frame === null ? '' : ` (${running.frame})`;
  return running.component === null
    ? `while the JavaScript thread never yielded, in no component's code${where}`
    : `while component "${running.component}" was running and never yielded${where}`;
}

/**
 * Calls `then` once the process's event loop has nothing left to do (Node's `beforeExit`); returns the function that
 * stops watching.
 */
function onEmptyEventLoop(then: () => void): () => void {
  const listener = (): void => then();
  process.once('beforeExit', listener);
  return () => {
    process.off('beforeExit', listener);
  };
}
