import { Capability } from '@os/capability';
import type { Kernel, KernelThread, PdId } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { RpcEntrypoint, RpcObject, type ServerOf, codec, connect, defineInterface, method } from '@os/rpc';
import {
  Connection,
  InsufficientCapQuota,
  InsufficientRamQuota,
  OutOfRam,
  Parent,
  ServiceDenied,
  SessionArgs,
  type SessionEnv,
  SessionLabel,
  SessionRequestError,
  SessionResult,
} from '@os/session';
import { describe, expect, it } from 'vitest';

const Echo = defineInterface('Echo', { echo: method([codec.string], codec.string) });

class EchoSession extends RpcObject<typeof Echo> implements ServerOf<typeof Echo> {
  constructor(private readonly label: string) {
    super(Echo);
  }
  echo(text: string) {
    return `${this.label}: ${text}`;
  }
}

/**
 * A parent that serves one service itself, "Echo", needing `needRam` bytes and `needCaps` capabilities
 * per session: it takes the donation from the child's quota when the session opens and gives it back
 * on close, answers resource requests from its own quota, and records every request it saw.
 */
class TestParent extends RpcObject<typeof Parent> implements ServerOf<typeof Parent> {
  readonly requests: string[] = [];
  readonly resourceRequests: string[] = [];
  readonly sessions = new Map<number, { ram: number; caps: number; object: EchoSession }>();
  exitValue: number | null = null;
  #resourceAvail: number | null = null;

  constructor(
    private readonly kernel: Kernel,
    private readonly parentPd: PdId,
    private readonly childPd: PdId,
    private readonly childName: string,
    private readonly entrypoint: RpcEntrypoint,
    private readonly needRam: number,
    private readonly needCaps: number,
  ) {
    super(Parent);
  }

  exit(value: number) {
    this.exitValue = value;
  }
  announce() {}
  sessionResponse() {}
  deliverSessionCap() {}
  session(id: number, service: string, text: string) {
    this.requests.push(text);
    if (service !== 'Echo') throw new ServiceDenied(`no service "${service}"`);
    const args = SessionArgs.parse(text);
    const ram = args.number('ram_quota');
    const caps = args.number('cap_quota');
    const free = this.kernel.quota(this.childPd);
    if (ram > free.ramLimit - free.ramUsed) throw new OutOfRam(`child has ${free.ramLimit - free.ramUsed} bytes free`);
    if (ram < this.needRam) throw new InsufficientRamQuota(`needs ${this.needRam} bytes`);
    if (caps < this.needCaps) throw new InsufficientCapQuota(`needs ${this.needCaps} caps`);
    this.kernel.transferQuota(this.childPd, this.parentPd, { ram, caps });
    const label = SessionLabel.prefixed(this.childName, args.string('label')).text;
    const object = new EchoSession(label);
    this.sessions.set(id, { ram, caps, object });
    const served = this.entrypoint.manage(object);
    return new Capability(this.kernel.delegate(this.parentPd, served.selector, this.parentPd));
  }
  upgrade(id: number, text: string) {
    const session = this.sessions.get(id);
    if (session === undefined) throw new ServiceDenied(`no session ${id}`);
    const args = SessionArgs.parse(text);
    this.kernel.transferQuota(this.childPd, this.parentPd, {
      ram: args.number('ram_quota'),
      caps: args.number('cap_quota'),
    });
    session.ram += args.number('ram_quota');
    session.caps += args.number('cap_quota');
    return SessionResult.Done;
  }
  close(id: number) {
    const session = this.sessions.get(id);
    if (session === undefined) return SessionResult.Done;
    this.sessions.delete(id);
    this.entrypoint.dissolve(session.object);
    this.kernel.transferQuota(this.parentPd, this.childPd, { ram: session.ram, caps: session.caps });
    return SessionResult.Done;
  }
  resourceAvailSigh(context: Capability) {
    this.#resourceAvail = context.selector;
  }
  resourceRequest(text: string) {
    this.resourceRequests.push(text);
    const args = SessionArgs.parse(text);
    this.kernel.transferQuota(this.parentPd, this.childPd, {
      ram: args.number('ram_quota'),
      caps: args.number('cap_quota'),
    });
    if (this.#resourceAvail !== null) this.entrypoint.thread.submitSignal(this.#resourceAvail);
  }
  sessionSigh() {}
  sessionCap(id: number): Capability {
    // this parent answers every request at once, so none is ever pending
    throw new ServiceDenied(`no pending request ${id}`);
  }
  yieldSigh() {}
  yieldRequest() {
    return '';
  }
  yieldResponse() {}
  heartbeatSigh() {}
  heartbeatResponse() {}
}

/**
 * A parent PD and a child PD `hello` with `childRam` bytes and 20 caps, the child holding only its parent capability.
 */
async function family(childRam: number, needRam = 10_000, needCaps = 6) {
  const kernel = createHwKernel();
  const parentPd = kernel.createPd('init');
  kernel.grantQuota(parentPd, { ram: Math.max(1 << 20, childRam * 2), caps: 100 });
  const childPd = kernel.createPd('hello');
  kernel.transferQuota(parentPd, childPd, { ram: childRam, caps: 20 });
  const parentEntrypoint = new RpcEntrypoint(kernel.createThread(parentPd, 'init.ep'));
  const parent = new TestParent(kernel, parentPd, childPd, 'hello', parentEntrypoint, needRam, needCaps);
  const parentCap = kernel.delegate(parentPd, parentEntrypoint.manage(parent).selector, childPd);
  expect(kernel.capSpace(childPd).map((entry) => entry.selector)).toEqual([parentCap]);

  const childThread: KernelThread = kernel.createThread(childPd, 'hello.ep');
  const childEntrypoint = new RpcEntrypoint(childThread);
  // resource_avail is sticky: a signal that arrives before anyone waits is not lost
  let arrived = 0;
  let waiting: (() => void) | null = null;
  const parentClient = connect(Parent, childThread, new Capability<typeof Parent>(parentCap));
  await parentClient.resourceAvailSigh(
    childEntrypoint.createSignalHandler((count) => {
      arrived += count;
      waiting?.();
    }),
  );
  let nextId = 1;
  const freed: number[] = [];
  const env: SessionEnv = {
    parent: parentClient,
    thread: childThread,
    allocSessionId: () => freed.pop() ?? nextId++,
    freeSessionId: (id) => freed.push(id),
    waitForResources: async () => {
      while (arrived === 0) await new Promise<void>((resolve) => (waiting = resolve));
      arrived = 0;
      waiting = null;
    },
    sessionSignals: 0,
    waitForSessionSignal: () => Promise.reject(new Error('this parent never leaves a request pending')),
  };
  return { kernel, parentPd, childPd, parent, env };
}

describe('Connection', () => {
  it(
    'retries with 4096 more bytes or 4 more caps until the donation suffices, and the server is charged exactly ' +
      'that',
    async () => {
      const { kernel, parentPd, childPd, parent, env } = await family(64 * 1024);
      const before = kernel.quota(childPd);
      const parentBefore = kernel.quota(parentPd);
      const echo = await Connection.openSession(env, Echo, { service: 'Echo', label: 'greeter', ram: 4096, caps: 2 });
      expect(parent.requests).toEqual([
        'label="greeter", ram_quota=4096, cap_quota=2',
        'label="greeter", cap_quota=2, ram_quota=8192',
        'label="greeter", cap_quota=2, ram_quota=12288',
        'label="greeter", ram_quota=12288, cap_quota=6',
      ]);
      expect(echo.ram).toBe(12288);
      expect(echo.caps).toBe(6);
      expect(kernel.quota(childPd).ramLimit).toBe(before.ramLimit - 12288);
      expect(kernel.quota(childPd).capLimit).toBe(before.capLimit - 6);
      expect(kernel.quota(parentPd).ramLimit).toBe(parentBefore.ramLimit + 12288);
      expect(await echo.session.echo('hi')).toBe('hello -> greeter: hi');

      await echo.upgrade({ ram: 4096 });
      expect(echo.ram).toBe(16384);
      expect(kernel.quota(childPd).ramLimit).toBe(before.ramLimit - 16384);

      await echo.close();
      expect(kernel.quota(childPd)).toEqual(before);
      expect(kernel.quota(parentPd).ramLimit).toBe(parentBefore.ramLimit);
      await expect(echo.session.echo('gone')).rejects.toThrow(/no valid capability|InvalidCapability/);
      await echo.close();
    },
  );

  it(
    'asks its own parent for resources when it cannot afford the donation, waits for resource_avail, then ' +
      'succeeds',
    async () => {
      const { kernel, childPd, parent, env } = await family(8192);
      const echo = await Connection.openSession(env, Echo, { service: 'Echo', ram: 12288, caps: 6 });
      expect(parent.resourceRequests).toEqual(['ram_quota=12288']);
      expect(parent.requests).toHaveLength(2);
      expect(kernel.quota(childPd).ramLimit).toBe(8192 + 12288 - 12288);
      await echo.close();
      expect(kernel.quota(childPd).ramLimit).toBe(8192 + 12288);
    },
  );

  it('closes at the end of an await using block', async () => {
    const { kernel, childPd, parent, env } = await family(64 * 1024);
    const before = kernel.quota(childPd);
    {
      await using echo = await Connection.openSession(env, Echo, { service: 'Echo', ram: 12288, caps: 6 });
      expect(parent.sessions.size).toBe(1);
      expect(await echo.session.echo('x')).toBe('hello: x');
    }
    expect(parent.sessions.size).toBe(0);
    expect(kernel.quota(childPd)).toEqual(before);
  });

  it('a denied request rejects with ServiceDenied and takes nothing', async () => {
    const { kernel, childPd, env } = await family(64 * 1024);
    const before = kernel.quota(childPd);
    const error = await Connection.openSession(env, Echo, { service: 'Nope', ram: 4096, caps: 2 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ServiceDenied);
    expect((error as ServiceDenied).kind).toBe('DENIED');
    expect((error as Error).message).toBe('no service "Nope"');
    expect(kernel.quota(childPd)).toEqual(before);
  });

  it('gives up with SessionRequestError when the server is never satisfied', async () => {
    const { env, parent } = await family(2 ** 46, 2 ** 50);
    await expect(Connection.openSession(env, Echo, { service: 'Echo', ram: 4096, caps: 6 })).rejects.toThrow(
      SessionRequestError,
    );
    expect(parent.requests).toHaveLength(64);
    expect(parent.resourceRequests).toEqual([]);
  });

  it(
    'upgrades one step at a time, then doubling the step; when it cannot afford an upgrade it tries halfway back ' +
      'before asking its parent',
    async () => {
      const { env, parent } = await family(128 * 1024, 100 * 1024);
      const echo = await Connection.openSession(env, Echo, { service: 'Echo', ram: 4096, caps: 6 });
      const offered = parent.requests.map((args) => Number(/ram_quota=(\d+)/.exec(args)?.[1]) / 1024);
      // 4K..36K one step each, then +8K, +16K, +32K (too little at 92K), +64K (156K: more than the 128K it has),
      // halfway back to 124K, which the server takes: no resource request
      expect(offered).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 44, 60, 92, 156, 124]);
      expect(parent.resourceRequests).toEqual([]);
      expect(echo.ram).toBe(124 * 1024);
      await echo.close();
    },
  );
});
