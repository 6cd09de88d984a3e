// Cases that need more than a client and a server: signal delivery, and a whole system on virtual time.
import { VirtualClock } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { init } from '@os/init';
import { RpcObject, codec, defineInterface, method } from '@os/rpc';
import { RootComponent } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { Connection } from '@os/session';
import { bootHelloTimer } from '../apps/hello-timer/dist/system.js';
import { median } from './measure.mjs';

/** `signal.K`: submit from one PD to a signal handler in another, until the handler ran. */
export function signalBench(factory = createHwKernel) {
  const kernel = factory();
  const receiverPd = kernel.createPd('receiver');
  const senderPd = kernel.createPd('sender');
  kernel.grantQuota(receiverPd, { caps: 4 });
  const receiver = kernel.createThread(receiverPd, 'receiver.ep');
  let delivered = null;
  receiver.serve({
    onCall() {},
    onSignal() {
      delivered?.();
    },
  });
  const context = kernel.delegate(receiverPd, receiver.createSignalContext(1), senderPd);
  const sender = kernel.createThread(senderPd, 'sender.ep');
  return () =>
    new Promise((resolve) => {
      delivered = resolve;
      sender.submitSignal(context);
    });
}

/**
 * `virtual.hour`: the hello-timer system configured for 3600 ticks on virtual time, booted to exit; median ns of
 * `runs`.
 */
export async function virtualHour(runs, factory = createHwKernel) {
  const times = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    const system = await bootHelloTimer({ kernel: factory, clock: new VirtualClock(1), ticks: 3600 });
    const value = await system.exit;
    if (value !== 0 || system.lines.length !== 3600)
      throw new Error(`virtual.hour: exit ${value}, ${system.lines.length} lines`);
    times.push(Number(process.hrtime.bigint() - start));
  }
  return median(times);
}

/**
 * `session.K`: a client child of init opens a session to a sibling server and closes it again; init
 * routes the request, moves the donation from the client's PD to the server's and back. Returns the
 * open+close function, bound to the client component once the system is up.
 */
export async function sessionBench(kernel) {
  const Echo = defineInterface('Echo', { ping: method([], codec.void) });
  class EchoSession extends RpcObject {
    constructor() {
      super(Echo);
    }
    ping() {}
  }
  class EchoRoot extends RootComponent {
    constructor(env) {
      super({ service: 'Echo', ep: env.ep });
    }
    sessionCost() {
      return { ram: 4096, caps: 1 };
    }
    createSession() {
      return new EchoSession();
    }
  }
  let ready;
  const openClose = new Promise((resolve) => (ready = resolve));
  const server = {
    async construct(env) {
      await new EchoRoot(env).announce(env);
    },
  };
  const client = {
    construct(env) {
      ready(async () => {
        const connection = await Connection.openSession(env, Echo, { service: 'Echo', ram: 4096, caps: 2 });
        await connection.close();
      });
    },
  };
  const config = {
    parentProvides: ['LOG', 'PD'],
    defaultRoute: [
      { service: 'Echo', to: { child: 'server' } },
      { service: '*', to: 'parent' },
    ],
    children: [
      { name: 'server', ram: 1 << 20, caps: 100, provides: ['Echo'] },
      { name: 'client', ram: 1 << 20, caps: 100 },
    ],
  };
  await boot(
    {
      init: 'init',
      binaries: binaryTable({ init, server, client }),
      roms: new Map([['config', new TextEncoder().encode(JSON.stringify(config))]]),
    },
    { kernel },
  );
  return openClose;
}
