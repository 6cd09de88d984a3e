#!/usr/bin/env node
// The deep model-based run: at least 1,000,000 model operations per kernel, each compared with the
// seam model of @os/test-kernels (its built dist: run `pnpm build` first) after every step. Many
// fast-check runs of long command sequences from a fixed seed: for each kernel, batches of runs with
// ordinary capability spaces until `--operations` are done, then batches with small spaces (so they
// fill up) until a further fifth of that is done.
//
// Prints the seed, then per kernel exactly `<kernel>: <N> operations, <D> divergences` (N counts the
// operations of the main runs, not of fast-check's shrinking; D the batches that found a divergence),
// and for each divergence fast-check's shrunk counterexample and the divergence. Exits 1 on any.
//
//   node tooling/test-kernels/bin/model-deep.mjs [--kernel hw,nova,sel4] [--operations 1000000]
//        [--commands 250] [--batch 200] [--seed 20240611] [--jobs 1] [--max-reports 3]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { CHECKED_KERNELS, World, modelCommand } from '@os/test-kernels';

const { values } = parseArgs({
  options: {
    kernel: { type: 'string', default: CHECKED_KERNELS.map((kernel) => kernel.name).join(',') },
    operations: { type: 'string', default: '1000000' },
    commands: { type: 'string', default: '250' },
    batch: { type: 'string', default: '200' },
    seed: { type: 'string', default: '20240611' },
    jobs: { type: 'string', default: '1' },
    'max-reports': { type: 'string', default: '3' },
    child: { type: 'boolean', default: false },
  },
});

const SLOTS = 3;
const operations = Number(values.operations);
const maxCommands = Number(values.commands);
const batch = Number(values.batch);
const seed = Number(values.seed);
const maxReports = Number(values['max-reports']);
const names = values.kernel.split(',').filter(Boolean);
for (const [option, value] of Object.entries({
  operations,
  commands: maxCommands,
  batch,
  seed,
  jobs: Number(values.jobs),
  'max-reports': maxReports,
})) {
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${option} must be a non-negative integer`);
    process.exit(2);
  }
}
for (const name of names) {
  if (!CHECKED_KERNELS.some((kernel) => kernel.name === name)) {
    console.error(`no kernel "${name}"; use ${CHECKED_KERNELS.map((kernel) => kernel.name).join(', ')}`);
    process.exit(2);
  }
}

/** The two configurations: ordinary spaces for the operation budget, small ones for a fifth more. */
const CONFIGURATIONS = [
  { label: 'ordinary spaces', share: 1, options: {} },
  { label: 'small spaces', share: 0.2, options: { capSpaceSize: 14, quota: { ram: 64 * 4096, caps: 20 } } },
];

/** The world of the run under way: if the event loop empties while it runs, a command hangs. */
let running = null;
process.on('beforeExit', () => {
  if (running === null) return;
  console.log(
    `\n${running.name}: divergence: \`${running.world?.current}\` never settled (the kernel left a call, signal or ` +
      `reply hanging)`,
  );
  console.log(`${running.name}: ${running.total} operations, ${running.divergences + 1} divergences`);
  process.exit(1);
});

/** Runs one kernel; returns its operations and divergences, printing reports as it goes. */
async function deep(name) {
  const checked = CHECKED_KERNELS.find((kernel) => kernel.name === name);
  let total = 0;
  let divergences = 0;
  let reported = 0;
  running = { name, world: null, total: 0, divergences: 0 };
  for (const [index, { label, share, options }] of CONFIGURATIONS.entries()) {
    const budget = Math.ceil(operations * share);
    const started = performance.now();
    let done = 0;
    for (let round = 0; done < budget; round++) {
      // every batch has its own seed, derived from the one printed, so any batch replays alone
      const batchSeed = seed + index * 1_000_000 + round;
      const live = { operations: 0 };
      let shrinking = false;
      const commands = fc.commands([modelCommand(fc, { kernel: name, slots: SLOTS })], { maxCommands, size: 'max' });
      const property = fc.asyncProperty(commands, async (steps) => {
        const world = new World(checked, { slots: SLOTS, counter: shrinking ? { operations: 0 } : live, ...options });
        running = { name, world, total: total + done + live.operations, divergences };
        try {
          await fc.asyncModelRun(() => ({ model: world.spec, real: world }), steps);
        } catch (error) {
          shrinking = true;
          throw error;
        }
      });
      const details = await fc.check(property, { seed: batchSeed, numRuns: batch });
      done += live.operations;
      if (details.failed) {
        divergences++;
        const error = details.errorInstance;
        const message = error instanceof Error ? error.message : String(error);
        if (reported++ < maxReports) {
          console.log(`\n${name} (${label}): divergence in the batch of seed ${batchSeed}`);
          console.log(
            fc
              .defaultReportMessage(details)
              .split('\n')
              .filter((line) => !line.startsWith('Hint:'))
              .join('\n')
              .trim(),
          );
          console.log(`Divergence: ${message}\n`);
        } else {
          console.log(`${name} (${label}): another divergence, batch seed ${batchSeed}: ${message.split('\n')[0]}`);
        }
      }
      if (live.operations === 0) break;
    }
    const seconds = (performance.now() - started) / 1000;
    console.error(
      `  ${name} (${label}): ${done} operations in ${seconds.toFixed(1)} s, ${Math.round(done / seconds)} operations/s`,
    );
    total += done;
  }
  running = null;
  return { total, divergences };
}

if (values.child) {
  // one kernel in a child process of a parallel run: report the counts to the parent
  const result = await deep(names[0]);
  process.send?.(result);
  process.exit(0);
}

console.log(
  `model-deep: seed ${seed}, ${operations} operations per kernel (+${Math.round(operations * 0.2)} with small ` +
    `spaces), up to ${maxCommands} commands per run, ${batch} runs per batch`,
);
const jobs = Math.max(1, Math.min(Number(values.jobs), names.length));
let failed = false;
const summary = (name, { total, divergences }) => {
  console.log(`${name}: ${total} operations, ${divergences} divergences`);
  if (divergences > 0) failed = true;
};
if (jobs === 1) {
  for (const name of names) summary(name, await deep(name));
} else {
  const self = fileURLToPath(import.meta.url);
  const forward = [
    '--operations',
    values.operations,
    '--commands',
    values.commands,
    '--batch',
    values.batch,
    '--seed',
    values.seed,
    '--max-reports',
    values['max-reports'],
    '--child',
  ];
  const pending = [...names];
  const results = new Map();
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
        const result = await new Promise((resolve, reject) => {
          const child = fork(self, ['--kernel', name, ...forward], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
          let counts = null;
          child.on('message', (message) => (counts = message));
          child.on('error', reject);
          child.on('exit', (code) =>
            counts === null
              ? reject(new Error(`${name}: the run ended with code ${code} before reporting`))
              : resolve(counts),
          );
        });
        results.set(name, result);
      }
    }),
  );
  for (const name of names) summary(name, results.get(name));
}
process.exit(failed ? 1 : 0);
