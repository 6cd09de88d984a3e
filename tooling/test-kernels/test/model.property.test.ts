import type { Kernel, KernelThread, Message, Selector } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHECKED_KERNELS,
  type CheckedKernel,
  type ModelCommand,
  type SeamModel,
  World,
  type WorldOptions,
  modelCommand,
} from '../src/index.js';

/**
 * Every kernel against the seam model (src/model), through the seam, compared after every step:
 * capability spaces, object identity by calls, signals and dataspace stamps, provenance, dissolve,
 * quota, PD destruction; on NOVA and seL4 also native revocation. The deep run (bin/model-deep.mjs)
 * does the same with a million operations per kernel; this one stays at a few seconds per kernel.
 */

const SLOTS = 3;
const RUNS = Number(process.env['MODEL_RUNS'] ?? 100);
const COMMANDS = Number(process.env['MODEL_COMMANDS'] ?? 120);
const TIGHT: WorldOptions = { capSpaceSize: 14, quota: { ram: 64 * 4096, caps: 20 } };

type Step = ModelCommand & fc.AsyncCommand<SeamModel, World, true>;

function property(checked: CheckedKernel, options: WorldOptions, kernel = checked.name) {
  const commands = fc.commands<SeamModel, World, true>(
    [modelCommand(fc, { kernel, slots: SLOTS }) as fc.Arbitrary<Step>],
    { maxCommands: COMMANDS, size: 'max' },
  );
  return fc.asyncProperty(commands, (steps) =>
    fc.asyncModelRun(() => {
      const world = new World(checked, { slots: SLOTS, ...options });
      return { model: world.spec, real: world };
    }, steps),
  );
}

describe.each(CHECKED_KERNELS.map((checked) => [checked.name, checked] as const))(
  '%s against the seam model',
  (_name, checked) => {
    it('agrees with the model after every step of any sequence of operations', async () => {
      await fc.assert(property(checked, {}), { numRuns: RUNS });
    });

    it('agrees with the model while capability spaces fill up', async () => {
      await fc.assert(property(checked, TIGHT), { numRuns: Math.ceil(RUNS / 2) });
    });
  },
);

/** A hw kernel whose threads get `patch` applied: a deliberately broken backend the model must catch. */
function mutant(name: string, patch: (thread: KernelThread, kernel: Kernel) => void): CheckedKernel {
  return {
    name,
    derivation: 'chain',
    create(capSpaceSize) {
      const kernel = createHwKernel({ capSpaceSize });
      const createThread = kernel.createThread.bind(kernel);
      kernel.createThread = (pd, label) => {
        const thread = createThread(pd, label);
        patch(thread, kernel);
        return thread;
      };
      return kernel;
    },
  };
}

describe('the model-based check catches broken kernels', () => {
  const mutants: [string, CheckedKernel][] = [
    ['free that keeps the capability', mutant('free-keeps', (thread) => (thread.free = () => undefined))],
    [
      'dissolve that leaves other holders their capability',
      mutant('dissolve-local', (thread) => {
        thread.dissolve = (selector: Selector) => thread.free(selector);
      }),
    ],
    [
      'a quota report that forgets dataspaces',
      mutant('quota-forgets', (thread) => {
        const quota = thread.quota.bind(thread);
        thread.quota = () => ({ ...quota(), ramUsed: 0 });
      }),
    ],
    [
      'replies that mark every capability they carry fresh',
      mutant('fresh-always', (thread) => {
        const call = thread.call.bind(thread);
        const markAll = (reply: Message): Message => {
          reply.freshCaps = (1 << reply.capCount) - 1;
          return reply;
        };
        thread.call = (selector: Selector) => {
          const reply = call(selector);
          return reply instanceof Promise ? reply.then(markAll) : markAll(reply);
        };
      }),
    ],
  ];
  it.each(mutants)('%s', async (_what, checked) => {
    const details = await fc.check(property(checked, {}, 'hw'), { numRuns: 200, seed: 1 });
    expect(details.failed).toBe(true);
  });
});
