// Family 2: sessions and quota. A child asks its parent for sessions with an argument string it
// writes itself: donations of nothing, of less than nothing, of more than it has, malformed strings,
// forged labels, reused ids, and sessions opened until it runs dry. The parent and the servers must
// refuse each with a typed error, move no quota they should not, and give back all they moved.

import { Capability } from '@os/capability';
import { RpcObject, connect, defineInterface } from '@os/rpc';
import { type Env, Pd, RootComponent } from '@os/runtime';
import { SessionLabel, SessionResult, sessionAtParent } from '@os/session';
import { describe, expect, it } from 'vitest';
import { KERNEL } from './support/kernel-world.js';
import { COUNTER_SESSION_CAPS, COUNTER_SESSION_RAM, type Figures, codeOf, runAttack } from './support/system.js';
import { expectUnharmed } from './support/unharmed.js';

/** What a counterfeit Counter root would serve: nothing. */
const Counterfeited = defineInterface('Counterfeited', {});

/** A session of the counterfeit root (never made: init does not route to it). */
class CounterfeitSession extends RpcObject<typeof Counterfeited> {
  constructor() {
    super(Counterfeited);
  }
}

/** Session ids an attack uses: clear of the runtime's own (1 to 7) and of what `Connection` hands out. */
let nextId = 1000;
const freshId = (): number => nextId++;

/** The name of what `work` threw: a typed error's code, or the class name of an untyped one. */
function refusal(work: () => unknown): string {
  try {
    work();
    return 'none';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : (error as Error).name;
  }
}

/**
 * The answer to pending request `id` the Genode way (the second half of `Env::session`): after each session signal of
 * the parent, `sessionCap` again, until it hands out the capability or throws the server's refusal (and the parent
 * returns the donation).
 */
async function sessionCapAtParent(env: Env, id: number): Promise<Capability> {
  for (;;) {
    const seen = env.sessionSignals;
    const capability = await env.parent.sessionCap(id);
    if (capability.valid()) return capability;
    await env.waitForSessionSignal(seen);
  }
}

/**
 * Closes session `id` the Genode way (`Env::close`): while the parent answers `Pending` (a sibling server has yet to
 * close it), waits for the parent's session signal and asks again. Once this returns, the donation is back.
 */
async function closeAtParent(env: Env, id: number): Promise<void> {
  for (;;) {
    const seen = env.sessionSignals;
    if ((await env.parent.close(id)) !== SessionResult.Pending) return;
    await env.waitForSessionSignal(seen);
  }
}

/** A Counter session's arguments with the donation it needs. */
const PAID = `ram_quota=${COUNTER_SESSION_RAM}, cap_quota=${COUNTER_SESSION_CAPS}`;

describe(`session and quota attacks on ${KERNEL.name}`, () => {
  it(
    'a request donating nothing is refused by the server as InsufficientRamQuota or InsufficientCapQuota (the ' +
      "Counter, the Timer, core's LOG and ROM); nothing moves",
    async () => {
      const run = await runAttack(async (env, { system }) => {
        const refusedBefore = system.server.refused;
        const attempts: [string, string][] = [
          ['Counter', 'label="free", ram_quota=0, cap_quota=0'],
          ['Counter', `label="free", ram_quota=0, cap_quota=${COUNTER_SESSION_CAPS}`],
          ['Counter', `label="free", ram_quota=${COUNTER_SESSION_RAM}, cap_quota=0`],
          ['Counter', 'label="no donation named"'],
          ['Timer', 'label="free", ram_quota=0, cap_quota=0'],
          ['LOG', 'label="free", ram_quota=0, cap_quota=0'],
          ['ROM', 'label="config", ram_quota=0, cap_quota=0'],
        ];
        const codes: string[] = [];
        const inFlight: string[] = [];
        for (const [service, args] of attempts) {
          const before = env.pd.quota();
          const id = freshId();
          const code = await codeOf(async () => {
            // Genode's protocol: a request to a sibling server (the Counter, the Timer) is pending at once, its
            // donation already moved from the attacker through init to the server, which has yet to answer; the
            // refusal, and with it the donation, comes from `sessionCap` after the session signal. core's LOG and
            // ROM (through init's parent service) answer at once.
            if ((await env.parent.session(id, service, args)).valid()) return;
            const away = env.pd.quota();
            inFlight.push(
              `${service}: ${before.ramLimit - away.ramLimit} bytes, ${before.capLimit - away.capLimit} caps`,
            );
            await sessionCapAtParent(env, id);
          });
          codes.push(`${service}: ${code}`);
          expect(env.pd.quota()).toEqual(before);
        }
        return { codes, inFlight, refused: system.server.refused - refusedBefore };
      });
      expect(run.result.codes).toEqual([
        'Counter: ERR_OS_INSUFFICIENT_RAM_QUOTA',
        'Counter: ERR_OS_INSUFFICIENT_RAM_QUOTA',
        'Counter: ERR_OS_INSUFFICIENT_CAP_QUOTA',
        'Counter: ERR_OS_INSUFFICIENT_RAM_QUOTA',
        'Timer: ERR_OS_INSUFFICIENT_RAM_QUOTA',
        'LOG: ERR_OS_INSUFFICIENT_CAP_QUOTA',
        'ROM: ERR_OS_INSUFFICIENT_RAM_QUOTA',
      ]);
      // while pending, exactly what the request named is away from the attacker (at the server), no more
      expect(run.result.inFlight).toEqual([
        'Counter: 0 bytes, 0 caps',
        `Counter: 0 bytes, ${COUNTER_SESSION_CAPS} caps`,
        `Counter: ${COUNTER_SESSION_RAM} bytes, 0 caps`,
        'Counter: 0 bytes, 0 caps',
        'Timer: 0 bytes, 0 caps',
      ]);
      expect(run.result.refused).toBe(4);
      expectUnharmed(run);
    },
  );

  it(
    'negative, fractional, non-decimal and unsafe donations are refused by init before routing (RpcServerError, an ' +
      'Error line at init); a donation beyond what the attacker has is OutOfRam/OutOfCaps; nothing moves',
    async () => {
      const run = await runAttack(async (env, { system }) => {
        const labels = system.server.labels.length;
        const attempts = [
          'ram_quota=-4096, cap_quota=2',
          'ram_quota=4096, cap_quota=-2',
          'ram_quota=4096.5, cap_quota=2',
          'ram_quota=0x1000, cap_quota=2',
          'ram_quota=99999999999999999999, cap_quota=2',
          'ram_quota=1G, cap_quota=2',
          'ram_quota=9007199254740991, cap_quota=2',
          'ram_quota=4096, cap_quota=100000',
        ];
        const codes: string[] = [];
        for (const args of attempts) {
          const before = env.pd.quota();
          codes.push(await codeOf(() => env.parent.session(freshId(), 'Counter', `label="greedy", ${args}`)));
          expect(env.pd.quota()).toEqual(before);
        }
        return { codes, reachedServer: system.server.labels.length - labels };
      });
      expect(run.result.codes).toEqual([
        'ERR_OS_RPC_SERVER',
        'ERR_OS_RPC_SERVER',
        'ERR_OS_RPC_SERVER',
        'ERR_OS_RPC_SERVER',
        'ERR_OS_RPC_SERVER',
        'ERR_OS_OUT_OF_RAM',
        'ERR_OS_OUT_OF_RAM',
        'ERR_OS_OUT_OF_CAPS',
      ]);
      expect(run.result.reachedServer).toBe(0);
      const initErrors = run.system.handle.lines.filter((line) =>
        line.startsWith('[init] Error: Parent.session threw SessionArgsError'),
      );
      expect(initErrors).toHaveLength(5);
      expectUnharmed(run);
    },
  );

  it(
    'malformed argument strings (unterminated quote, key without value, value without key, bad key, no comma, ' +
      'longer than 160 characters) are refused by init before routing; an unknown service is ServiceDenied',
    async () => {
      const run = await runAttack(async (env, { system }) => {
        const labels = system.server.labels.length;
        const malformed = [
          `label="x, ${PAID}`,
          `label, ${PAID}`,
          `=5, ${PAID}`,
          `ram-quota=4096, cap_quota=2`,
          `ram_quota=4096 cap_quota=2`,
          `label="${'x'.repeat(200)}", ${PAID}`,
        ];
        const codes: string[] = [];
        for (const args of malformed) codes.push(await codeOf(() => env.parent.session(freshId(), 'Counter', args)));
        codes.push(await codeOf(() => env.parent.session(freshId(), 'NoSuchService', PAID)));
        codes.push(await codeOf(() => env.parent.session(freshId(), '', PAID)));
        return { codes, reachedServer: system.server.labels.length - labels };
      });
      expect(run.result.codes).toEqual([
        ...Array(6).fill('ERR_OS_RPC_SERVER'),
        'ERR_OS_SERVICE_DENIED',
        'ERR_OS_SERVICE_DENIED',
      ]);
      expect(run.result.reachedServer).toBe(0);
      expect(
        run.system.handle.lines.filter((line) =>
          line.startsWith('[init] Error: Parent.session threw SessionArgsError'),
        ),
      ).toHaveLength(6);
      expectUnharmed(run);
    },
  );

  it(
    'a forged label cannot impersonate another component: init puts "attacker" in front of every label the server ' +
      'sees (quotes, escapes, a second label key, " -> " inside)',
    async () => {
      const run = await runAttack(async (env, { system }) => {
        const from = system.server.labels.length;
        const forged = [
          'label="bystander"',
          'label="bystander -> x"',
          'label="x\\", label=\\"bystander"',
          'label="a", label="bystander"',
          'label="init -> bystander"',
          'label=""',
        ];
        const ids: number[] = [];
        // the server sees a request when it reads its session_requests: each open waits for its answer
        for (const label of forged) {
          const id = freshId();
          await sessionAtParent(env, id, 'Counter', `${label}, ${PAID}`);
          ids.push(id);
        }
        for (const id of ids) await closeAtParent(env, id);
        return system.server.labels.slice(from);
      });
      expect(run.result).toEqual([
        'attacker -> bystander',
        'attacker -> bystander -> x',
        'attacker -> x", label="bystander',
        'attacker -> bystander',
        'attacker -> init -> bystander',
        'attacker',
      ]);
      for (const label of run.result) expect(new SessionLabel(label).parts()[0]).toBe('attacker');
      expectUnharmed(run);
    },
  );

  it(
    'duplicate keys are read alike by init and the server: the donation moved is the one the server ' + 'checked',
    async () => {
      const run = await runAttack(async (env) => {
        const before = env.pd.quota().ramLimit;
        // the server's refusal comes with the session signal, from `sessionCap`
        const lastIsZero = await codeOf(() =>
          sessionAtParent(env, freshId(), 'Counter', `label="d", ${PAID}, ram_quota=0`),
        );
        const id = freshId();
        await sessionAtParent(
          env,
          id,
          'Counter',
          `label="d", ram_quota=0, cap_quota=${COUNTER_SESSION_CAPS}, ram_quota=${COUNTER_SESSION_RAM}`,
        );
        const donated = before - env.pd.quota().ramLimit;
        await closeAtParent(env, id);
        return { lastIsZero, donated };
      });
      expect(run.result).toEqual({ lastIsZero: 'ERR_OS_INSUFFICIENT_RAM_QUOTA', donated: COUNTER_SESSION_RAM });
      expectUnharmed(run);
    },
  );

  it(
    'session ids: an id in use is ServiceDenied; sessionCap, close and upgrade of ids that are not open change ' +
      'nothing; a negative or unaffordable upgrade is refused',
    async () => {
      const run = await runAttack(async (env) => {
        const id = freshId();
        const opened = await sessionAtParent(env, id, 'Counter', `label="mine", ${PAID}`);
        const during = env.pd.quota();
        const codes = {
          reuse: await codeOf(() => env.parent.session(id, 'Counter', `label="again", ${PAID}`)),
          sessionCapOfNothing: await codeOf(() => env.parent.sessionCap(4242)),
          sessionCapOfOpen: await codeOf(() => env.parent.sessionCap(id)),
          closeNothing: await env.parent.close(4242),
          upgradeNothing: await codeOf(() => env.parent.upgrade(4242, 'ram_quota=4096')),
          upgradeNegative: await codeOf(() => env.parent.upgrade(id, 'ram_quota=-4096')),
          upgradeTooMuch: await codeOf(() => env.parent.upgrade(id, 'ram_quota=1G')),
        };
        const again = (await env.parent.sessionCap(id)).selector === opened.selector;
        const unchanged = JSON.stringify(env.pd.quota()) === JSON.stringify(during);
        await closeAtParent(env, id);
        const closeTwice = await env.parent.close(id);
        return { codes, again, unchanged, closeTwice };
      });
      expect(run.result.codes).toEqual({
        reuse: 'ERR_OS_SERVICE_DENIED',
        sessionCapOfNothing: 'ERR_OS_SERVICE_DENIED',
        // Genode's `session_cap` hands out the capability of an open session again (it is how a client fetches a
        // pending one): the same capability the attacker holds (`again` below), so it grants nothing it had not
        sessionCapOfOpen: 'none',
        closeNothing: 0,
        // Parent.upgrade does not declare ServiceDenied, so the denial arrives as RpcServerError
        upgradeNothing: 'ERR_OS_RPC_SERVER',
        upgradeNegative: 'ERR_OS_RPC_SERVER',
        upgradeTooMuch: 'ERR_OS_OUT_OF_RAM',
      });
      expect(run.result.again).toBe(true);
      expect(run.result.unchanged).toBe(true);
      expect(run.result.closeTwice).toBe(0);
      expectUnharmed(run);
    },
  );

  it(
    "its own PD session (Genode's env PD session): negative, NaN and infinite transfers, a forged target and a " +
      'second start are refused (OutOfRam, StartFailed); nothing moves',
    async () => {
      const run = await runAttack(async (env) => {
        const own = (await env.parent.session(1, 'PD', '')).cast<typeof Pd>();
        const pd = connect(Pd, env.thread, own);
        return [
          await codeOf(() => pd.transferQuota(own, -4096, 0)),
          await codeOf(() => pd.transferQuota(own, Number.NaN, 0)),
          await codeOf(() => pd.transferQuota(own, 0, Number.POSITIVE_INFINITY)),
          await codeOf(() => pd.transferQuota(Capability.invalid(), 4096, 0)),
          await codeOf(() => pd.transferQuota(new Capability(env.thread.pd + 9999), 4096, 0)),
          await codeOf(() => pd.start('init', 'second', Capability.invalid())),
        ];
      });
      expect(run.result).toEqual([
        'ERR_OS_OUT_OF_RAM',
        'ERR_OS_OUT_OF_RAM',
        'ERR_OS_OUT_OF_RAM',
        'ERR_OS_OUT_OF_RAM',
        'ERR_OS_OUT_OF_RAM',
        'ERR_OS_START_FAILED',
      ]);
      expectUnharmed(run);
    },
  );

  it(
    'announcing a service its start entry does not provide (a counterfeit Counter) is ignored with a warning: the ' +
      "attacker's and everyone's Counter sessions still reach the real server",
    async () => {
      let counterfeitCalls = 0;
      const run = await runAttack(async (env, { system, timer }) => {
        class Counterfeit extends RootComponent<CounterfeitSession> {
          constructor() {
            super({ service: 'Counter', ep: env.ep });
          }
          protected override createSession(): CounterfeitSession {
            counterfeitCalls++;
            return new CounterfeitSession();
          }
        }
        const space = (): string[] =>
          system.handle.kernel.capSpace(env.thread.pd).map((entry) => `${entry.selector} ${entry.kind}`);
        const spaceBefore = space();
        const counterfeit = new Counterfeit();
        await counterfeit.announce(env);
        // the announce started the attacker's root proxy, which fetches its session_requests ROM on its own thread
        await timer.msleep(1);
        const announced = env.pd.quota();
        const added = space()
          .filter((entry) => !spaceBefore.includes(entry))
          .map((entry) => entry.split(' ')[1])
          .sort();
        const labels = system.server.labels.length;
        const id = freshId();
        await sessionAtParent(env, id, 'Counter', `label="after the announcement", ${PAID}`);
        await closeAtParent(env, id);
        const closed = env.pd.quota();
        env.ep.dissolve(counterfeit);
        return { labels: system.server.labels.slice(labels), announced, added, closed };
      });
      expect(counterfeitCalls).toBe(0);
      expect(run.result.labels).toEqual(['attacker -> after the announcement']);
      expect(run.system.handle.lines).toContain(
        '[init] Warning: "attacker" announced "Counter", which its start entry does not provide',
      );
      // the Counter session gave the attacker back all it donated
      const { announced, closed } = run.result;
      expect(closed).toEqual(announced);
      // Genode's protocol: announcing starts the announcer's root proxy (Genode's `Root_proxy`), which stays for the
      // announcer's life: a thread (1 capability moved to core) and a session_requests ROM session at init (1
      // capability donated); in the attacker's space, besides the counterfeit root, the ROM session, the proxy's 2
      // signal contexts and the ROM's dataspace (capUsed counts them as each kernel charges them). init serves that ROM
      // itself: the session object (covered by the donated capability) and the dataspace of the text, one page and one
      // capability of init's own, as Genode's `Session_requester` allocates the text from the parent's RAM. Nothing
      // else changed, for anyone.
      const [own] = run.own;
      expect(run.result.added).toEqual(['dataspace', 'rpc-object', 'rpc-object', 'signal-context', 'signal-context']);
      expect([announced.ramLimit, announced.ramUsed, announced.capLimit]).toEqual([
        own.ramLimit,
        own.ramUsed,
        own.capLimit - 2,
      ]);
      const [before] = run.tables;
      const init = before.init as Figures;
      const withProxy: Record<string, Figures> = {
        ...before,
        init: { ...init, ramUsed: init.ramUsed + 4096, capQuota: init.capQuota + 1, capUsed: init.capUsed + 2 },
        attacker: {
          ramQuota: announced.ramLimit,
          ramUsed: announced.ramUsed,
          capQuota: announced.capLimit,
          // the counterfeit root's capability was dissolved
          capUsed: announced.capUsed - 1,
        },
      };
      expectUnharmed({
        ...run,
        tables: [withProxy, run.tables[1]],
        own: [{ ...announced, capUsed: announced.capUsed - 1 }, run.own[1]],
      });
    },
  );

  it(
    'RAM and kernel arguments out of range (a dataspace of negative, zero, fractional, NaN or 2^53 bytes, a signal ' +
      ('count of -1, a negative timeout) are refused and allocate nothing; more RAM than the quota is ' +
        'QuotaExceededError'),
    async () => {
      const run = await runAttack(async (env) => {
        const context = env.thread.createSignalContext(4242);
        const before = env.pd.quota();
        const refusals = [
          ...[-4096, 0, 1.5, Number.NaN, 2 ** 53].map((size) => refusal(() => env.ram.alloc(size))),
          refusal(() => env.thread.submitSignal(context, -1)),
          refusal(() => env.thread.timeout(-5, context)),
        ];
        const tooMuch = await codeOf(() => env.ram.alloc(64 * 1024 * 1024));
        const unchanged = JSON.stringify(env.pd.quota()) === JSON.stringify(before);
        env.thread.dissolve(context);
        return { refusals, tooMuch, unchanged };
      });
      expect(run.result.refusals).toEqual(Array(7).fill('ERR_OS_INVALID_ARGUMENT'));
      expect(run.result.tooMuch).toBe('ERR_OS_QUOTA_EXCEEDED');
      expect(run.result.unchanged).toBe(true);
      expectUnharmed(run);
    },
  );

  // The kernels refuse such arguments with InvalidArgumentError, a KernelError with a code (it was a
  // plain RangeError, which a component could not recognise by code).
  it('RAM and kernel arguments out of range are refused with a typed error (a code)', async () => {
    const run = await runAttack(async (env) => {
      const context = env.thread.createSignalContext(4242);
      const codes = [
        await codeOf(() => env.ram.alloc(-4096)),
        await codeOf(() => env.thread.submitSignal(context, -1)),
        await codeOf(() => env.thread.timeout(-5, context)),
      ];
      env.thread.dissolve(context);
      return codes;
    });
    for (const code of run.result) expect(code).toMatch(/^ERR_OS_/);
  });

  it(
    'opening sessions in a loop exhausts only the attacker (OutOfCaps); the server holds exactly the donations, ' +
      'the bystander keeps working, and closing them all returns everything',
    async () => {
      const run = await runAttack(async (env, { system, timer }) => {
        const server = system.server.quota as () => {
          ramLimit: number;
          capLimit: number;
          ramUsed: number;
          capUsed: number;
        };
        const serverBefore = server();
        const ids: number[] = [];
        let refusal = 'none';
        for (let attempt = 0; attempt < 1000; attempt++) {
          const id = freshId();
          try {
            // each waits for the server's answer: the figures below are of sessions the server made
            await sessionAtParent(env, id, 'Counter', `label="hog ${attempt}", ${PAID}`);
            ids.push(id);
          } catch (error) {
            refusal = String((error as { code?: unknown }).code);
            break;
          }
        }
        const serverDuring = server();
        const rounds = system.bystander.rounds;
        await timer.msleep(30);
        const roundsWhileExhausted = system.bystander.rounds - rounds;
        for (const id of ids) await closeAtParent(env, id);
        return {
          sessions: ids.length,
          refusal,
          serverBefore,
          serverDuring,
          serverAfter: server(),
          roundsWhileExhausted,
        };
      });
      const { sessions, refusal, serverBefore, serverDuring, serverAfter } = run.result;
      expect(refusal).toBe('ERR_OS_OUT_OF_CAPS');
      expect(sessions).toBeGreaterThan(30);
      expect(serverDuring.ramLimit - serverBefore.ramLimit).toBe(sessions * COUNTER_SESSION_RAM);
      expect(serverDuring.capLimit - serverBefore.capLimit).toBe(sessions * COUNTER_SESSION_CAPS);
      expect(serverDuring.ramUsed - serverBefore.ramUsed).toBe(sessions * COUNTER_SESSION_RAM);
      expect(serverDuring.capUsed - serverBefore.capUsed).toBe(sessions * COUNTER_SESSION_CAPS);
      expect(serverAfter).toEqual(serverBefore);
      expect(run.result.roundsWhileExhausted).toBeGreaterThanOrEqual(2);
      expectUnharmed(run);
    },
  );

  // core's PD service takes the session's own capability out of the donation and refuses a request that
  // does not cover it (InsufficientCapQuota), as Genode's does: a PD route does not drain core.
  it('a PD session without a donation is refused (InsufficientCapQuota) and costs core nothing', async () => {
    const run = await runAttack(async (env, { system }) => {
      const core = (): number => system.handle.kernel.quota(system.handle.core.pd).capUsed;
      const before = core();
      const codes = new Set<string>();
      const ids: number[] = [];
      for (let attempt = 0; attempt < 100; attempt++) {
        const id = freshId();
        const code = await codeOf(() =>
          env.parent.session(id, 'PD', `label="free ${attempt}", ram_quota=0, cap_quota=0`),
        );
        codes.add(code);
        if (code === 'none') ids.push(id);
      }
      const drained = core() - before;
      for (const id of ids) await env.parent.close(id);
      return { codes: [...codes], drained };
    });
    expect(run.result).toEqual({ codes: ['ERR_OS_INSUFFICIENT_CAP_QUOTA'], drained: 0 });
  });

  // init writes what children put in its log lines (resource-request arguments, session labels) on one
  // line, control characters written out: a child cannot print a line of its choosing under init's label.
  it("control characters in session arguments cannot forge a line under init's label", async () => {
    const run = await runAttack(async (env) => {
      await env.parent.resourceRequest(
        'ram_quota=4096, note="\nError: the new config is not applied: forged by the attacker"',
      );
      await codeOf(() =>
        env.parent.session(
          freshId(),
          'NoSuchService',
          'label="x\nchild \\"bystander\\" exited with exit value 0", ram_quota=0, cap_quota=0',
        ),
      );
      return null;
    });
    const forged = run.system.handle.lines.filter(
      (line) =>
        line.startsWith('[init] Error: the new config is not applied: forged') ||
        line.startsWith('[init] child "bystander" exited'),
    );
    expect(forged).toEqual([]);
  });
});
