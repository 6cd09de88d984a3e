import type { Kernel, KernelFactory } from '../kernel.js';
import { callOutstandingCases } from './call-outstanding-cases.js';
import { capabilityCases } from './capability-cases.js';
import { freshCapCases } from './fresh-cap-cases.js';
import { ipcBufferCases } from './ipc-buffer-cases.js';
import { ipcCases } from './ipc-cases.js';
import { memoryCases } from './memory-cases.js';
import { signalCases } from './signal-cases.js';
import { timeCases } from './time-cases.js';
import { traceCases } from './trace-cases.js';

/** One conformance test: a promise the seam makes, checked on a fresh kernel. */
export interface ConformanceCase {
  /** What the case promises, as a sentence. */
  readonly name: string;
  /** Runs the check on `kernel` (made by `factory`, which cases use for kernels of their own); throws on failure. */
  run(kernel: Kernel, factory: KernelFactory): void | Promise<void>;
}

/** The part of a test runner the suite needs (vitest, node:test and mocha all fit). */
export interface TestRegistrar {
  /** Groups tests. */
  describe(name: string, body: () => void): void;
  /** Registers one test. */
  it(name: string, body: () => Promise<void>): void;
}

/** The suite's groups, in the order they run. */
const GROUPS: readonly [string, readonly ConformanceCase[]][] = [
  ['IPC', ipcCases],
  ['a thread in a call', callOutstandingCases],
  ['IPC buffer', ipcBufferCases],
  ['capabilities', capabilityCases],
  ['fresh capabilities', freshCapCases],
  ['signals', signalCases],
  ['memory and quota', memoryCases],
  ['time', timeCases],
  ['trace', traceCases],
];

/**
 * Registers the kernel conformance suite with a test runner: every case runs on a fresh kernel from
 * `factory`. Every backend calls this with its own factory; passing all of it is what makes a kernel
 * usable by the layers above.
 */
export function defineConformanceSuite(label: string, factory: KernelFactory, runner: TestRegistrar): void {
  runner.describe(`kernel conformance: ${label}`, () => {
    for (const [group, cases] of GROUPS) {
      runner.describe(group, () => {
        for (const conformanceCase of cases) {
          runner.it(conformanceCase.name, async () => {
            const kernel = factory();
            await conformanceCase.run(kernel, factory);
            await kernel.settle();
          });
        }
      });
    }
  });
}

/** Every conformance case, for runners that iterate them directly. */
export function conformanceCases(): readonly ConformanceCase[] {
  return GROUPS.flatMap(([, cases]) => cases);
}
