// Fuzzing the session-argument parser every session request goes through, at every hop of its route:
// no input makes SessionArgs.parse or its readers throw anything but a SessionArgsError (code
// ERR_OS_SESSION_ARGS), an argument string built from tokens reads back as those tokens, and
// parse(toString()) gives the same arguments. Deterministic: a fixed seed (OS_FUZZ_SEED overrides it,
// OS_FUZZ_SCALE multiplies the runs). Growth with input size: bench/parser-growth.mjs.
import {
  LABEL_SEPARATOR,
  SESSION_ARGS_MAX,
  type SessionArg,
  SessionArgs,
  SessionArgsError,
  SessionLabel,
  quoteArg,
} from '@os/session';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const SEED = Number(process.env['OS_FUZZ_SEED'] ?? 20_251_124);
const SCALE = Number(process.env['OS_FUZZ_SCALE'] ?? 1);
const runs = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)) });

const ARGS = 'ERR_OS_SESSION_ARGS';

/**
 * What `read` returns, or `ARGS` when it threw a SessionArgsError; anything else is rethrown (fast-check reports the
 * input).
 */
function attempt<T>(read: () => T): T | typeof ARGS {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof SessionArgsError) || error.code !== ARGS) throw error;
    expect(Number.isInteger(error.position) && error.position >= 0).toBe(true);
    // the message quotes at most what a valid string can hold, whatever was given
    expect(error.message.length).toBeLessThan(2 * SESSION_ARGS_MAX + 200 + error.reason.length);
    return ARGS;
  }
}

/** The arguments read back from their own string, when that fits. */
function reparse(args: SessionArgs): void {
  const text = args.toString();
  if (text.length > SESSION_ARGS_MAX) return;
  const again = SessionArgs.parse(text);
  expect(again.entries()).toEqual(args.entries());
  expect(again.toString()).toBe(text);
}

// ------------------------------------------------------------------ tokens

/** A value token and what the readers make of it. */
interface Value {
  readonly text: string;
  readonly string: string;
  /** The number it reads as; `undefined`: `number()` refuses it. */
  readonly number: number | undefined;
}

const SCALES = new Map([
  ['', 1],
  ['K', 1024],
  ['M', 1024 ** 2],
  ['G', 1024 ** 3],
]);

/**
 * What `number()` reads from a bare token: decimal digits and an optional K, M or G; `undefined` if not one, or not
 * safe.
 */
function genodeNumber(text: string): number | undefined {
  const match = /^([0-9]+)([KMG]?)$/.exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]) * (SCALES.get(match[2] as string) as number);
  return Number.isSafeInteger(value) ? value : undefined;
}

const numberValue: fc.Arbitrary<Value> = fc
  .tuple(
    fc.oneof(fc.nat({ max: 100_000 }), fc.maxSafeNat(), fc.stringMatching(/^[0-9]{1,25}$/)),
    fc.constantFrom('', 'K', 'M', 'G'),
  )
  .map(([digits, suffix]) => ({
    text: `${digits}${suffix}`,
    string: `${digits}${suffix}`,
    number: genodeNumber(`${digits}${suffix}`),
  }));

/** A bare word: anything but separators, not starting with a quote. */
const bareValue: fc.Arbitrary<Value> = fc
  .string({
    unit: fc.constantFrom('a', 'Z', '0', '9', '_', '-', '>', '=', '"', '\\', '/', 'ä', '😀', '.', 'K', 'x'),
    minLength: 1,
    maxLength: 12,
  })
  .filter((text) => !text.startsWith('"'))
  .map((text) => ({ text, string: text, number: genodeNumber(text) }));

/** A quoted string: plain characters and backslash escapes of any character. */
const quotedValue: fc.Arbitrary<Value> = fc
  .array(
    fc.oneof(
      fc.constantFrom('a', ' ', ',', '=', '-', '>', 'ä', '😀', '\t', "'").map((char) => [char, char] as const),
      fc.constantFrom('"', '\\', 'n', ',', ' ', 'a').map((char) => [`\\${char}`, char] as const),
    ),
    { maxLength: 14 },
  )
  .map((pieces) => ({
    text: `"${pieces.map(([written]) => written).join('')}"`,
    string: pieces.map(([, read]) => read).join(''),
    number: undefined,
  }));

const key = fc.oneof(
  fc.constantFrom(
    'label',
    'ram_quota',
    'cap_quota',
    'diag',
    '_',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
  ),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/),
);
const blank = fc.constantFrom('', '', ' ', '  ', '\t', ' \t');

interface Built {
  readonly text: string;
  readonly tokens: readonly (readonly [string, Value])[];
}
/** An argument string from key=value tokens, with white space wherever Genode's syntax allows it. */
const built: fc.Arbitrary<Built> = fc
  .tuple(
    fc.array(fc.tuple(key, fc.oneof(numberValue, bareValue, quotedValue), blank, blank, blank, blank), {
      maxLength: 6,
    }),
    blank,
    blank,
  )
  .map(([tokens, lead, trail]) => ({
    text:
      `${lead}${tokens.map(([name, value, a, b, c, d]) => `${a}${name}${b}=${c}${value.text}${d}`).join(',')}` +
      `${trail}`,
    tokens: tokens.map(([name, value]) => [name, value] as const),
  }));

// ------------------------------------------------------------------ the properties

describe('SessionArgs, fuzzed', () => {
  it('throws nothing but SessionArgsError for arbitrary strings, and refuses long ones at once', () => {
    const alphabet = fc.constantFrom(
      'a',
      'k',
      '_',
      '1',
      'K',
      'M',
      '=',
      ',',
      ' ',
      '\t',
      '"',
      '\\',
      '\n',
      '\0',
      'ä',
      '😀',
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: alphabet, maxLength: 200 })),
        (text) => {
          const args = attempt(() => SessionArgs.parse(text));
          if (text.length > SESSION_ARGS_MAX) {
            expect(args).toBe(ARGS);
            expect(() => SessionArgs.parse(text)).toThrow(
              expect.objectContaining({
                position: SESSION_ARGS_MAX,
                reason: `longer than ${SESSION_ARGS_MAX} characters`,
              }),
            );
          }
          if (args === ARGS) return;
          for (const { key: name, text: value } of args.entries()) {
            expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
            expect(value.length).toBeGreaterThan(0);
            attempt(() => args.number(name));
            expect(typeof args.string(name)).toBe('string');
            expect(typeof args.boolean(name)).toBe('boolean');
          }
          reparse(args);
        },
      ),
      runs(500),
    );
  });

  it('reads a string built from tokens as those tokens, and back from its own string', () => {
    fc.assert(
      fc.property(built, ({ text, tokens }) => {
        const args = attempt(() => SessionArgs.parse(text));
        if (text.length > SESSION_ARGS_MAX) {
          expect(args).toBe(ARGS);
          return;
        }
        if (args === ARGS) throw new Error(`refused ${JSON.stringify(text)}`);
        expect(args.entries()).toEqual(tokens.map(([name, value]): SessionArg => ({ key: name, text: value.text })));
        // the last value of a key counts
        const last = new Map(tokens.map(([name, value]) => [name, value]));
        for (const [name, value] of last) {
          expect(args.has(name)).toBe(true);
          expect(args.string(name)).toBe(value.string);
          if (value.number === undefined) expect(attempt(() => args.number(name))).toBe(ARGS);
          else expect(args.number(name)).toBe(value.number);
        }
        expect(args.toString()).toBe(tokens.map(([name, value]) => `${name}=${value.text}`).join(', '));
        reparse(args);
      }),
      runs(1000),
    );
  });

  /** An edit of a valid string, as a confused or hostile client might send. */
  const edit = fc.record({
    at: fc.nat(),
    cut: fc.nat({ max: 4 }),
    insert: fc.constantFrom('', '"', '\\', ',', '=', ' ', ',,', '="', '\\"', 'x', '9', 'K', '\0', '\n'),
  });

  it('throws nothing but SessionArgsError for edited argument strings', () => {
    fc.assert(
      fc.property(built, fc.array(edit, { minLength: 1, maxLength: 3 }), ({ text }, edits) => {
        const changed = edits.reduce((current, { at, cut, insert }) => {
          const place = at % (current.length + 1);
          return current.slice(0, place) + insert + current.slice(place + cut);
        }, text);
        const args = attempt(() => SessionArgs.parse(changed));
        if (args === ARGS) return;
        for (const { key: name } of args.entries()) {
          attempt(() => args.number(name));
          args.string(name);
          args.boolean(name);
        }
        reparse(args);
      }),
      runs(1000),
    );
  });

  it('reads back any string, number or flag it was given', () => {
    fc.assert(
      fc.property(
        key.filter((name) => name !== 'n' && name !== 'f'),
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc.string({ unit: fc.constantFrom('"', '\\', ',', ' ', 'a', '='), maxLength: 40 }),
        ),
        fc.maxSafeNat(),
        fc.boolean(),
        (name, text, number, flag) => {
          const args = SessionArgs.from({ [name]: text, n: number, f: flag });
          expect(args.string(name)).toBe(text);
          expect(args.number('n')).toBe(number);
          expect(args.boolean('f')).toBe(flag);
          expect(quoteArg(text)).toBe(args.entries()[0]?.text);
          const printed = args.toString();
          if (printed.length <= SESSION_ARGS_MAX) {
            const again = SessionArgs.parse(printed);
            expect(again.string(name)).toBe(text);
            expect(again.number('n')).toBe(number);
            expect(again.boolean('f')).toBe(flag);
          } else {
            expect(attempt(() => SessionArgs.parse(printed))).toBe(ARGS);
          }
          // what set refuses, it refuses as SessionArgsError
          attempt(() => args.set(text, text));
          attempt(() => args.set(name, number * -1 - 1));
          attempt(() => args.set(name, number + 0.5));
        },
      ),
      runs(500),
    );
  });

  it('refuses an over-long string with a message of bounded length', () => {
    for (const length of [SESSION_ARGS_MAX + 1, 10_000, 1_000_000]) {
      const text = `label="${'x'.repeat(length)}"`;
      try {
        SessionArgs.parse(text);
        expect.unreachable('an over-long string was read');
      } catch (error) {
        expect(error).toBeInstanceOf(SessionArgsError);
        const refusal = error as SessionArgsError;
        expect([refusal.code, refusal.position, refusal.args]).toEqual([ARGS, SESSION_ARGS_MAX, text]);
        expect(refusal.message).toBe(
          `session arguments ${JSON.stringify(text.slice(0, SESSION_ARGS_MAX))}… (${text.length} characters), at ` +
            `character ${SESSION_ARGS_MAX}: longer than ${SESSION_ARGS_MAX} characters`,
        );
      }
    }
  });
});

describe('SessionLabel, fuzzed', () => {
  it('never throws, and splits what it joined', () => {
    // parts without ">" cannot hold or make up the separator " -> "
    const part = fc.string({
      unit: fc.constantFrom('a', 'b', ' ', '-', '_', 'ä', '😀', '"', '\\'),
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), fc.string({ maxLength: 30 }), (parts, anything) => {
        const text = parts.join(LABEL_SEPARATOR);
        const label = new SessionLabel(text);
        expect(label.parts()).toEqual(parts);
        expect(label.last()).toBe(parts.at(-1));
        expect(label.prefix()).toBe(parts.slice(0, -1).join(LABEL_SEPARATOR));
        expect(SessionLabel.prefixed(parts[0] as string, parts.slice(1).join(LABEL_SEPARATOR)).text).toBe(text);
        expect(label.withoutPrefix(parts[0] as string).parts()).toEqual(parts.slice(1));
        expect(label.toString()).toBe(text);
        // any text: every reader answers
        const other = new SessionLabel(anything);
        expect(other.parts().join(LABEL_SEPARATOR)).toBe(anything);
        const at = anything.lastIndexOf(LABEL_SEPARATOR);
        expect(at < 0 ? other.last() : `${other.prefix()}${LABEL_SEPARATOR}${other.last()}`).toBe(anything);
        expect(SessionLabel.prefixed(anything, '').text).toBe(anything);
        expect(other.withoutPrefix(anything).text).toBe('');
      }),
      runs(500),
    );
  });

  it('travels in session arguments unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 4 }), (parts) => {
        const label = new SessionLabel(parts.join(LABEL_SEPARATOR));
        const printed = SessionArgs.from({ label: label.text }).toString();
        if (printed.length > SESSION_ARGS_MAX) return;
        expect(new SessionLabel(SessionArgs.parse(printed).string('label')).text).toBe(label.text);
      }),
      runs(300),
    );
  });
});
