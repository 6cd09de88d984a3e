import { VirtualClock } from '@os/kernel';
import { kernelUnderTest } from '@os/test-kernels';
import type { Env } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { describe, expect, it } from 'vitest';

const createKernel = kernelUnderTest().factory;

/** Boots `construct` as the only component with `caps` capabilities and returns its exit value and lines. */
async function run(
  construct: (env: Env) => Promise<void>,
  caps = 100,
): Promise<{ exit: number; lines: readonly string[] }> {
  const system = await boot(
    { init: 'probe', binaries: binaryTable({ probe: { construct } }), caps },
    { kernel: createKernel, clock: new VirtualClock() },
  );
  return { exit: await system.exit, lines: system.lines };
}

describe('Env.createThread (core CPU service)', () => {
  it(
    'a thread costs one capability of the PD quota while it lives, calls on its own, and gives it back when ' + 'ended',
    async () => {
      const seen: number[] = [];
      const { exit } = await run(async (env) => {
        seen.push(env.pd.quota().capLimit);
        const thread = env.createThread('worker');
        seen.push(env.pd.quota().capLimit);
        expect(thread.pd).toBe(env.thread.pd);
        expect(thread.label).toBe('probe.worker');
        env.destroyThread(thread);
        seen.push(env.pd.quota().capLimit);
        await env.parent.exit(0);
      });
      expect(exit).toBe(0);
      expect(seen).toEqual([seen[0], (seen[0] as number) - 1, seen[0]]);
    },
  );

  it(
    'without a capability free, createThread throws OutOfCaps naming the component and thread, and nothing is ' +
      'charged',
    async () => {
      const outcome: { code?: unknown; message?: string; before?: number; after?: number } = {};
      await run(async (env) => {
        const quota = env.pd.quota();
        // spend every free capability on signal contexts
        for (let free = quota.capLimit - quota.capUsed; free > 0; free--) env.thread.createSignalContext(1000 + free);
        outcome.before = env.pd.quota().capLimit;
        try {
          env.createThread('one-too-many');
        } catch (error) {
          outcome.code = (error as { code?: unknown }).code;
          outcome.message = (error as Error).message;
        }
        outcome.after = env.pd.quota().capLimit;
        await env.parent.exit(0);
      });
      expect(outcome.code).toBe('ERR_OS_OUT_OF_CAPS');
      expect(outcome.message).toBe('"probe" has no capability free for thread "one-too-many"');
      expect(outcome.after).toBe(outcome.before);
    },
  );

  it(
    'ending a thread createThread did not make (its own entrypoint) is refused with ' + 'InvalidArgumentError',
    async () => {
      const outcome: { code?: unknown; alive?: boolean } = {};
      await run(async (env) => {
        try {
          env.destroyThread(env.thread);
        } catch (error) {
          outcome.code = (error as { code?: unknown }).code;
        }
        outcome.alive = env.thread.valid(env.thread.createSignalContext(77));
        await env.parent.exit(0);
      });
      expect(outcome).toEqual({ code: 'ERR_OS_INVALID_ARGUMENT', alive: true });
    },
  );
});
