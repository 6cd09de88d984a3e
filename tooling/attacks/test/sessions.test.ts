// Family 2: sessions and quota. A child asks its parent for sessions with an argument string it
// writes itself: donations of nothing, of less than nothing, of more than it has, malformed strings,
// forged labels, reused ids, and sessions opened until it runs dry. The parent and the servers must
// refuse each with a typed error, move no quota they should not, and give back all they moved.

import { Capability } from '@os/capability';
import { RpcObject, connect, defineInterface } from '@os/rpc';
import { Pd, RootComponent } from '@os/runtime';
import { SessionLabel } from '@os/session';
import { describe, expect, it } from 'vitest';
import { KERNEL } from './support/kernel-world.js';
import { COUNTER_SESSION_CAPS, COUNTER_SESSION_RAM, codeOf, runAttack } from './support/system.js';
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
        for (const [service, args] of attempts) {
          const before = env.pd.quota();
          codes.push(`${service}: ${await codeOf(() => env.parent.session(freshId(), service, args))}`);
          expect(env.pd.quota()).toEqual(before);
        }
        return { codes, refused: system.server.refused - refusedBefore };
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
        for (const label of forged) {
          const id = freshId();
          await env.parent.session(id, 'Counter', `${label}, ${PAID}`);
          ids.push(id);
        }
        for (const id of ids) await env.parent.close(id);
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
        const lastIsZero = await codeOf(() =>
          env.parent.session(freshId(), 'Counter', `label="d", ${PAID}, ram_quota=0`),
        );
        const id = freshId();
        await env.parent.session(
          id,
          'Counter',
          `label="d", ram_quota=0, cap_quota=${COUNTER_SESSION_CAPS}, ram_quota=${COUNTER_SESSION_RAM}`,
        );
        const donated = before - env.pd.quota().ramLimit;
        await env.parent.close(id);
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
        await env.parent.session(id, 'Counter', `label="mine", ${PAID}`);
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
        const unchanged = JSON.stringify(env.pd.quota()) === JSON.stringify(during);
        await env.parent.close(id);
        const closeTwice = await env.parent.close(id);
        return { codes, unchanged, closeTwice };
      });
      expect(run.result.codes).toEqual({
        reuse: 'ERR_OS_SERVICE_DENIED',
        sessionCapOfNothing: 'ERR_OS_SERVICE_DENIED',
        sessionCapOfOpen: 'ERR_OS_SERVICE_DENIED',
        closeNothing: 0,
        // Parent.upgrade does not declare ServiceDenied, so the denial arrives as RpcServerError
        upgradeNothing: 'ERR_OS_RPC_SERVER',
        upgradeNegative: 'ERR_OS_RPC_SERVER',
        upgradeTooMuch: 'ERR_OS_OUT_OF_RAM',
      });
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
      const run = await runAttack(async (env, { system }) => {
        class Counterfeit extends RootComponent<CounterfeitSession> {
          constructor() {
            super({ service: 'Counter', ep: env.ep });
          }
          protected override createSession(): CounterfeitSession {
            counterfeitCalls++;
            return new CounterfeitSession();
          }
        }
        const counterfeit = new Counterfeit();
        await counterfeit.announce(env);
        const labels = system.server.labels.length;
        const id = freshId();
        await env.parent.session(id, 'Counter', `label="after the announcement", ${PAID}`);
        await env.parent.close(id);
        env.ep.dissolve(counterfeit);
        return system.server.labels.slice(labels);
      });
      expect(counterfeitCalls).toBe(0);
      expect(run.result).toEqual(['attacker -> after the announcement']);
      expect(run.system.handle.lines).toContain(
        '[init] Warning: "attacker" announced "Counter", which its start entry does not provide',
      );
      expectUnharmed(run);
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
            await env.parent.session(id, 'Counter', `label="hog ${attempt}", ${PAID}`);
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
        for (const id of ids) await env.parent.close(id);
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
