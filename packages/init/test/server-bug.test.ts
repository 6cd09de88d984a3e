import { init } from '@os/init';
import type { Capability } from '@os/capability';
import { VirtualClock, hasErrorCode } from '@os/kernel';
import { RpcObject, type ServerOf, codec, defineInterface, method } from '@os/rpc';
import type { Env } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { Connection, Root, ServiceDenied } from '@os/session';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';

const Echo = defineInterface('Echo', { echo: method([codec.u32], codec.u32) });

/** A server with a bug (or a hostile one): its Root.session throws what Root does not declare. */
class BuggyRoot extends RpcObject<typeof Root> implements ServerOf<typeof Root> {
  constructor() {
    super(Root);
  }
  session(): Capability {
    throw new TypeError('the server has a bug');
  }
  upgrade(): void {}
  close(): void {}
}

const CONFIG = `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="server"> <provides> <service name="Echo"/> </provides> </start>
  <start name="client"/>
</config>`;

describe('a server whose Root.session throws an undeclared error', () => {
  it(
    'the client gets ServiceDenied naming the service, the server and Root.session; the server logs its ' + 'error',
    async () => {
      const outcome: { denied?: boolean; message?: string } = {};
      const system = await boot(
        {
          init: 'init',
          binaries: binaryTable({
            init,
            server: {
              async construct(env: Env) {
                await env.announce('Echo', env.ep.manage(new BuggyRoot()));
              },
            },
            client: {
              async construct(env: Env) {
                await Connection.openSession(env, Echo, { service: 'Echo', ram: 4096, caps: 2 }).catch(
                  (error: unknown) => {
                    outcome.denied = hasErrorCode(error, ServiceDenied.code);
                    outcome.message = (error as Error).message;
                  },
                );
                await env.parent.exit(0);
              },
            },
          }),
          roms: new Map([['config', new TextEncoder().encode(CONFIG)]]),
        },
        { kernel: kernelUnderTest().factory, clock: new VirtualClock() },
      );
      await expect(system.exit).rejects.toThrow(/nothing can happen any more/);
      expect(outcome).toEqual({
        denied: true,
        message:
          '"Echo" session for "client": server "server" failed in Root.session with an error its interface does not ' +
          'declare (the server logged it with where it was thrown)',
      });
      expect(system.lines).toContain('[init -> server] Error: Root.session threw TypeError: the server has a bug');
      // init answered the client with a declared refusal: it logs no error of its own
      expect(system.lines.filter((line) => line.startsWith('[init] Error'))).toEqual([]);
    },
  );
});
