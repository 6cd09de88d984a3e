import { VirtualClock } from '@os/kernel';
import { kernelUnderTest } from '@os/test-kernels';
import type { Env } from '@os/runtime';
import { SystemStalledError, binaryTable, boot } from '@os/runtime/host';
import { describe, expect, it } from 'vitest';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
const createKernel = kernelUnderTest().factory;

describe('boot', () => {
  it('starts the first component, prints its LOG lines labelled, and resolves with its exit value', async () => {
    const hello = {
      async construct(env: Env) {
        await env.log('Hello world');
        await env.log(`my PD pays for ${env.thread.quota().capUsed} kernel objects`);
        await env.parent.exit(7);
      },
    };
    const system = await boot(
      { init: 'hello', binaries: binaryTable({ hello }) },
      { kernel: createKernel, clock: new VirtualClock() },
    );
    expect(await system.exit).toBe(7);
    // the kernels charge differently: hw also charges each thread's signal receiver (base-hw's new_signal_receiver)
    const objects: Record<string, number> = { hw: 5, nova: 3, sel4: 3 };
    expect(system.lines).toEqual([
      '[hello] Hello world',
      `[hello] my PD pays for ${objects[kernelUnderTest().name]} kernel objects`,
    ]);
  });

  it(
    'a component starts with no capability it did not make itself but its parent and its env LOG ' + 'session',
    async () => {
      let held: string[] = [];
      let system: Awaited<ReturnType<typeof boot>> | null = null;
      const probe = {
        construct(env: Env) {
          held = (system as NonNullable<typeof system>).kernel.capSpace(env.thread.pd).map((entry) => entry.kind);
          void env.parent.exit(0);
        },
      };
      system = await boot(
        { init: 'probe', binaries: binaryTable({ probe }) },
        { kernel: createKernel, clock: new VirtualClock() },
      );
      await system.exit;
      // the parent and the LOG session (an env session, opened before construct, as Genode's Parent::Env::log),
      // plus the signal contexts the runtime made for resource_avail, pending sessions and heartbeats
      expect(held.sort()).toEqual(['rpc-object', 'rpc-object', 'signal-context', 'signal-context', 'signal-context']);
    },
  );

  it('a construct that throws is logged with the component name and reported to the parent as exit 1', async () => {
    const broken = {
      construct() {
        throw new TypeError('missing config');
      },
    };
    const system = await boot(
      { init: 'broken', binaries: binaryTable({ broken }) },
      { kernel: createKernel, clock: new VirtualClock() },
    );
    expect(await system.exit).toBe(1);
    expect(system.lines).toEqual(['[broken] Error: broken: construct failed: TypeError: missing config']);
  });

  it('on virtual time a system that can never make progress ends with SystemStalledError', async () => {
    const idle = { construct() {} };
    const system = await boot(
      { init: 'idle', binaries: binaryTable({ idle }) },
      { kernel: createKernel, clock: new VirtualClock() },
    );
    await expect(system.exit).rejects.toBeInstanceOf(SystemStalledError);
  });

  it('an unknown binary is a boot error naming it', async () => {
    await expect(
      boot({ init: 'nope', binaries: binaryTable({}) }, { kernel: createKernel, clock: new VirtualClock() }),
    ).rejects.toThrow(/cannot start "nope": no binary "nope"/);
  });
});
