import { VirtualClock, hasErrorCode } from '@os/kernel';
import { RpcObject, RpcServerError, type ServerOf, codec, connect, defineInterface, method } from '@os/rpc';
import { binaryTable, boot } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';

const Fragile = defineInterface('Fragile', { divide: method([codec.u32], codec.u32) });

/** A server with a bug: a method that throws what its interface does not declare. */
class FragileServer extends RpcObject<typeof Fragile> implements ServerOf<typeof Fragile> {
  constructor() {
    super(Fragile);
  }
  divide(by: number): number {
    if (by === 0) throw new TypeError('cannot divide by zero');
    return Math.floor(12 / by);
  }
}

describe('an exception a server method throws that its interface does not declare', () => {
  it(
    "is logged in the server's LOG with where it was thrown; the client gets RpcServerError and the server goes " +
      'on',
    async () => {
      const outcome: { code?: boolean; after?: number } = {};
      const system = await boot(
        {
          init: 'server',
          binaries: binaryTable({
            server: {
              async construct(env) {
                const capability = env.ep.manage(new FragileServer());
                const client = connect(Fragile, env.createThread('client'), capability);
                // the calls go from a thread of its own once construct returned and the entrypoint serves
                const calls = async (): Promise<void> => {
                  outcome.code = await client.divide(0).then(
                    () => false,
                    (error: unknown) => hasErrorCode(error, RpcServerError.code),
                  );
                  outcome.after = await client.divide(4);
                  await env.parent.exit(0);
                };
                calls().catch(() => undefined);
              },
            },
          }),
        },
        { kernel: kernelUnderTest().factory, clock: new VirtualClock() },
      );
      expect(await system.exit).toBe(0);
      expect(outcome).toEqual({ code: true, after: 3 });
      const [first, ...frames] = system.lines;
      expect(first).toBe('[server] Error: Fragile.divide threw TypeError: cannot divide by zero');
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.length).toBeLessThanOrEqual(9);
      expect(frames[0]).toMatch(/^\[server\]\s+at FragileServer\.divide \(.*server-errors\.test\.ts:\d+:\d+\)$/);
      for (const frame of frames) expect(frame).toMatch(/^\[server\]\s+(at |\.\.\. \d+ more$)/);
    },
  );
});
