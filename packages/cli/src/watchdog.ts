import { closeSync, openSync } from 'node:fs';
import { devNull } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ComponentModule, Env } from '@os/runtime';

/** Finds the component module for a binary name (core's `BinaryResolver`). */
export type Binaries = (name: string) => Promise<ComponentModule>;

/** How long after the deadline the watchdog waits for the run to end by itself before it ends the process. */
export const WATCHDOG_GRACE_MS = 500;

/** The watchdog samples the hung thread's stack until this many samples named a component ... */
const ENOUGH_SAMPLES = 5;
/** ... or this many were taken, */
const MAX_SAMPLES = 20;
/** this many milliseconds apart. */
const SAMPLE_INTERVAL_MS = 10;

/** The global (by registered symbol) through which the watchdog reaches into a main thread that never yields. */
const HOOK = Symbol.for('@os/cli watchdog');

/**
 * What a component's `construct` runs inside: a function whose name (`os component "<name>"`) shows in every stack
 * through it.
 */
const FRAME = 'os component';

/**
 * The watchdog thread's code (CommonJS, evaluated): it sleeps in `Atomics.wait` until the deadline;
 * if the run has not ended by then, it connects to the main thread's inspector and pauses it. The
 * inspector reaches the main thread by a V8 interrupt, so an endless loop and an endless chain of
 * awaits are paused as well; the pause takes effect at the next statement the main thread runs,
 * inside the code that hogs it. There the hook is evaluated (in the main realm, on top of the paused
 * stack), so that the stack it sees is the hog's, with the awaits that led to it.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { Session } = require('node:inspector');
const state = new Int32Array(workerData.state);
if (Atomics.wait(state, 0, 0, workerData.ms) === 'timed-out') {
  const hook = 'globalThis[Symbol.for(' + JSON.stringify(workerData.hook) + ')]?.';
  const session = new Session();
  session.connectToMainThread();
  let samples = 0;
  let named = 0;
  let sampling = false;
  session.on('Debugger.paused', () => {
    if (sampling) return;
    sampling = true;
    session.post('Runtime.evaluate', { expression: hook + '("sample")', returnByValue: true }, (error, answer) => {
      samples++;
      if (!error && answer && answer.result && typeof answer.result.value === 'string') named++;
      if (named >= ${ENOUGH_SAMPLES} || samples >= ${MAX_SAMPLES}) return session.post('Runtime.evaluate', { \
expression: hook + '("end")' }, () => undefined);
      session.post('Debugger.resume', {}, () => setTimeout(() => { sampling = false; session.post('Debugger.pause', \
{}, () => undefined); }, ${SAMPLE_INTERVAL_MS}));
    });
  });
  session.post('Debugger.enable', {}, () => session.post('Debugger.pause', {}, () => undefined));
  setInterval(() => undefined, 1 << 30);
}
`;

/** A started watchdog; {@link Watchdog.stop} when the run ended by itself. */
export interface Watchdog {
  /** Disarms the watchdog: the run ended before the deadline. */
  stop(): void;
}

/**
 * Arms a watchdog outside the event loop: when `seconds` (plus {@link WATCHDOG_GRACE_MS}) pass before
 * {@link Watchdog.stop}, the main thread, however busy, is interrupted; `report` gets what was running
 * there (see {@link runningComponent}) and then the process exits with `exitCode`. Costs a worker
 * thread that sleeps until then, and nothing on the main thread.
 */
export function startWatchdog(seconds: number, exitCode: number, report: (running: Running) => void): Watchdog {
  const state = new Int32Array(new SharedArrayBuffer(4));
  const samples: Running[] = [];
  (globalThis as Record<symbol, unknown>)[HOOK] = (what: 'sample' | 'end'): string | null => {
    if (what === 'sample') {
      const running = runningComponent(deepStack());
      samples.push(running);
      return running.component;
    }
    report(mostFrequent(samples));
    // an inspector session is still connected: Node would print "Waiting for the debugger to disconnect..."
    try {
      closeSync(2);
      openSync(devNull, 'w');
    } catch {
      // stderr stays as it is
    }
    process.exit(exitCode);
  };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { state: state.buffer, ms: Math.ceil(seconds * 1000) + WATCHDOG_GRACE_MS, hook: HOOK.description },
  });
  worker.unref();
  worker.on('error', () => undefined);
  return {
    stop(): void {
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 0);
      delete (globalThis as Record<symbol, unknown>)[HOOK];
      void worker.terminate();
    },
  };
}

/** The current stack with up to 200 frames (sync and async), where the realm lets the limit change. */
function deepStack(): string {
  const errors = Error as { stackTraceLimit: number };
  const limit = errors.stackTraceLimit;
  try {
    errors.stackTraceLimit = 200;
  } catch {
    // a frozen Error: the default depth
  }
  const stack = new Error().stack ?? '';
  try {
    errors.stackTraceLimit = limit;
  } catch {
    // as above
  }
  return stack;
}

/**
 * The component named most often in `samples` (the first of equals), with a frame of a sample naming it; else the last
 * sample.
 */
function mostFrequent(samples: readonly Running[]): Running {
  const counts = new Map<string, number>();
  for (const sample of samples)
    if (sample.component !== null) counts.set(sample.component, (counts.get(sample.component) ?? 0) + 1);
  let best: string | null = null;
  for (const [name, count] of counts) if (best === null || count > (counts.get(best) ?? 0)) best = name;
  return (
    samples.find((sample) => sample.component === best) ??
    samples[samples.length - 1] ?? { component: null, frame: null }
  );
}

/** What the watchdog found running on the main thread. */
export interface Running {
  /** The component whose code was on the stack (innermost), as core knows it (its start name); null if none was. */
  readonly component: string | null;
  /** The innermost frame of the interrupted code, if any (`at function (file:line:column)`). */
  readonly frame: string | null;
}

/**
 * Reads a stack taken inside the interrupted main thread: the innermost `os component "<name>"`
 * frame (sync or async) names the component, the first frame below the watchdog's own is where it was.
 */
export function runningComponent(stack: string): Running {
  const frames = stack.split('\n').filter((line) => line.trimStart().startsWith('at '));
  // the hook's own frame and the inspector's evaluation come first
  const interrupted = frames.slice(frames.findIndex((line) => line.includes('<anonymous>')) + 1);
  let component: string | null = null;
  for (const line of interrupted) {
    const match = /at (?:async )?os component "(.*)" \(/.exec(line);
    if (match !== null) {
      component = match[1] ?? null;
      break;
    }
  }
  const candidates = interrupted.filter((line) => !line.includes(`${FRAME} "`));
  const frame =
    candidates.find(
      (line) => !line.includes('/node_modules/') && !line.includes('node:') && !line.includes('<anonymous>'),
    ) ?? candidates[0];
  return { component, frame: frame === undefined ? null : frame.trim() };
}

/**
 * The same binaries, each component's `construct` run inside a function named after the component
 * (`os component "<name>"`): what {@link runningComponent} finds on the stack. Only with `--timeout`.
 */
export function namingComponents(binaries: Binaries): Binaries {
  return async (binary) => {
    const module: ComponentModule = await binaries(binary);
    return {
      construct(env: Env) {
        const name = env.thread.label.replace(/\.ep$/, '');
        const key = `${FRAME} "${name}"`;
        const named = { [key]: async (componentEnv: Env) => await module.construct(componentEnv) }[key];
        return named === undefined ? module.construct(env) : named(env);
      },
    };
  };
}
