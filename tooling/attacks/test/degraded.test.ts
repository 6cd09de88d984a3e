// Degrading the system without breaking a rule (issue 18): timer periods that would make a
// virtual-time system thousands of times slower, and LOG writes that would print far more than was
// written. The starvation cases (an endless loop, an endless chain of awaits, an endless loop of
// awaited LOG writes) need a process of their own: packages/cli/test/watchdog.test.ts.
import type { Env } from '@os/runtime';
import { InvalidDuration, Timer, type TimerSession } from '@os/timer';
import type { ClientOf } from '@os/rpc';
import { describe, expect, it } from 'vitest';
import { codeOf, runAttack } from './support/system.js';
import { expectUnharmed } from './support/unharmed.js';

/** Genode's `Log_session::MAX_STRING_LEN`, and what core puts after what it cut. */
const MAX = 232;
const CUT = ' [cut]';

/** Signals that reached `signal` so far (0 if none), without waiting. */
async function arrived(signal: ReturnType<Env['blockingSignal']>): Promise<number> {
  return Promise.race([signal.wait(), Promise.resolve(0)]);
}

describe('degraded: timer periods', () => {
  it(
    'periods and one-shots of 1 us, 0, -1, NaN and 2^53 on Timer sessions of its own: clamped or refused; at most ' +
      '100 periodic signals in 100 ms',
    async () => {
      const durations = [1, 0, -1, Number.NaN, 2 ** 53];
      const run = await runAttack(async (env, { timer: sleeper }) => {
        const outcomes: string[] = [];
        for (const method of ['triggerPeriodic', 'triggerOnce'] as const) {
          for (const us of durations) {
            const timer = await Timer.Connection.open(env);
            // a signal context per session (a capability of the attacker's quota), dissolved after
            const signal = env.blockingSignal();
            const session = timer.session as ClientOf<typeof TimerSession>;
            await session.sigh(signal.capability);
            const code = await codeOf(() => session[method](us));
            await sleeper.msleep(100);
            outcomes.push(`${method}(${us}): ${code}, ${await arrived(signal)} signals`);
            await session.triggerPeriodic(0);
            await timer.close();
            env.thread.dissolve(signal.capability.selector);
          }
        }
        return outcomes;
      });
      const refused = InvalidDuration.code;
      expect(run.result).toEqual([
        // 100 ms at one signal per 1000 us at most (a period starts one period after it is set)
        expect.stringMatching(/^triggerPeriodic\(1\): none, (99|100) signals$/),
        'triggerPeriodic(0): none, 0 signals',
        `triggerPeriodic(-1): ${refused}, 0 signals`,
        `triggerPeriodic(NaN): ${refused}, 0 signals`,
        `triggerPeriodic(9007199254740992): ${refused}, 0 signals`,
        'triggerOnce(1): none, 1 signals',
        'triggerOnce(0): none, 1 signals',
        `triggerOnce(-1): ${refused}, 0 signals`,
        `triggerOnce(NaN): ${refused}, 0 signals`,
        `triggerOnce(9007199254740992): ${refused}, 0 signals`,
      ]);
      expectUnharmed(run);
    },
  );
});

/** The lines core printed under the attacker's label. */
function attackerLines(lines: readonly string[]): string[] {
  return lines
    .filter((line) => line.startsWith('[init -> attacker] '))
    .map((line) => line.slice('[init -> attacker] '.length));
}

describe('degraded: LOG writes', () => {
  it(
    'raw writes of 4000 control characters, 1 MiB, 232 and 233 characters, lone surrogates and embedded newlines ' +
      'print bounded lines, none under another label',
    async () => {
      const run = await runAttack(async (env) => {
        const log = await env.openLog();
        const codes: string[] = [];
        const write = async (text: string): Promise<void> => {
          codes.push(await codeOf(() => log.session.write(text)));
        };
        await write('\u0007'.repeat(4000));
        await write('x'.repeat(1 << 20));
        await write('a'.repeat(MAX));
        await write('b'.repeat(MAX + 1));
        await write('\ud800\udfff\udc00'.repeat(100));
        await write(`${'c\n'.repeat(300)}[init -> bystander] forged`);
        await write('\r\n[init -> bystander] forged too\u001b[2K');
        return codes;
      });
      // 1 MiB does not fit the IPC buffer: the typed client refuses to send it; 4000 bytes fit all but seL4's
      const [controls, ...rest] = run.result;
      expect(rest).toEqual(['ERR_OS_RPC_ENCODE', 'none', 'none', 'none', 'none', 'none']);
      expect(['none', 'ERR_OS_RPC_ENCODE']).toContain(controls);
      const lines = run.system.handle.lines;
      const mine = attackerLines(lines);
      for (const line of mine) expect(line.length).toBeLessThanOrEqual(MAX + CUT.length);
      if (controls === 'none') expect(mine).toContain(`${'\\x07'.repeat(MAX / 4)}${CUT}`);
      expect(mine).toContain('a'.repeat(MAX));
      expect(mine).toContain(`${'b'.repeat(MAX)}${CUT}`);
      // the surrogates arrive as U+FFFD where they were lone (the string codec is UTF-8)
      expect(mine.some((line) => line.includes('\ufffd'))).toBe(true);
      // 300 newlines: the first 232 characters count, 116 lines of "c"; the forged label is cut off
      expect(mine.filter((line) => line === 'c' || line === `c${CUT}`)).toHaveLength(MAX / 2);
      expect(lines.filter((line) => line.startsWith('[init -> bystander]'))).toEqual([]);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may reach the console
      expect(lines.filter((line) => /[\u0000-\u001f]/.test(line))).toEqual([]);
      // the whole attack printed a bounded amount: at most 232 lines per write
      expect(mine.length).toBeLessThanOrEqual(7 * MAX);
      expectUnharmed(run);
    },
  );

  it('env.log of 1 MiB and of 4000 control characters: split into writes printed whole, all of it', async () => {
    const big = 'y'.repeat(1 << 20);
    const run = await runAttack(async (env) => {
      await env.log(big);
      await env.log('\u001b'.repeat(4000));
      return null;
    });
    const mine = attackerLines(run.system.handle.lines);
    for (const line of mine) expect(line.length).toBeLessThanOrEqual(MAX);
    expect(mine.filter((line) => line.startsWith('y')).join('')).toBe(big);
    expect(mine.filter((line) => line.startsWith('\\x1b')).join('')).toBe('\\x1b'.repeat(4000));
    expect(mine.some((line) => line.endsWith(CUT))).toBe(false);
    expectUnharmed(run);
  });
});
