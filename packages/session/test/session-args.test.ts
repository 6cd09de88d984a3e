import { SESSION_ARGS_MAX, SessionArgs, SessionArgsError, SessionLabel } from '@os/session';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('SessionArgs', () => {
  it('reads Genode argument strings: quoted and bare values, size suffixes, booleans', () => {
    const args = SessionArgs.parse('label="init -> hello", ram_quota=8K, cap_quota=4, verbose=yes, big=2M, name=timer');
    expect(args.string('label')).toBe('init -> hello');
    expect(args.number('ram_quota')).toBe(8192);
    expect(args.number('big')).toBe(2 * 1024 * 1024);
    expect(args.number('cap_quota')).toBe(4);
    expect(args.boolean('verbose')).toBe(true);
    expect(args.string('name')).toBe('timer');
    expect(args.number('missing', 7)).toBe(7);
    expect(args.string('missing', 'none')).toBe('none');
  });

  it('prints in Genode syntax, and setting a key moves it to the end as Arg_string::set_arg does', () => {
    const args = SessionArgs.from({ label: 'hello', ram_quota: 8192, cap_quota: 4 });
    expect(args.toString()).toBe('label="hello", ram_quota=8192, cap_quota=4');
    args.set('ram_quota', 12288);
    expect(args.toString()).toBe('label="hello", cap_quota=4, ram_quota=12288');
    expect(SessionArgs.parse(args.toString()).toString()).toBe(args.toString());
  });

  it('escapes quotes and backslashes in strings and reads them back', () => {
    const args = SessionArgs.from({ label: 'a "quoted" \\ label, with comma' });
    expect(args.toString()).toBe('label="a \\"quoted\\" \\\\ label, with comma"');
    expect(SessionArgs.parse(args.toString()).string('label')).toBe('a "quoted" \\ label, with comma');
  });

  it('gives the later of two values of one key', () => {
    expect(SessionArgs.parse('ram_quota=1, ram_quota=2').number('ram_quota')).toBe(2);
  });

  const bad: [string, RegExp][] = [
    ['ram_quota', /expected "=" after key "ram_quota"/],
    ['=5', /at character 0: expected a key/],
    ['label="open', /string value of "label" is not terminated/],
    ['a=1 b=2', /expected "," after the value of "a"/],
    ['a=1,,b=2', /expected a key/],
    ['a=', /key "a" has no value/],
    ['9key=1', /expected a key/],
    ['a=1,', /expected a key/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${JSON.stringify(text)} naming the place`, () => {
      expect(() => SessionArgs.parse(text)).toThrow(SessionArgsError);
      expect(() => SessionArgs.parse(text)).toThrow(message);
    });
  }

  it('refuses argument strings longer than Genode carries', () => {
    expect(() => SessionArgs.parse(`label="${'x'.repeat(SESSION_ARGS_MAX)}"`)).toThrow(/longer than 160 characters/);
  });

  it('refuses numbers that are not non-negative integers', () => {
    expect(() => SessionArgs.parse('ram_quota=-5').number('ram_quota')).toThrow(/non-negative integer/);
    expect(() => SessionArgs.parse('ram_quota=12Q').number('ram_quota')).toThrow(/non-negative integer/);
    expect(() => SessionArgs.from({ ram_quota: -1 })).toThrow(SessionArgsError);
    expect(() => SessionArgs.from({ 'bad key': 1 })).toThrow(/not a valid key/);
  });

  it('prints what it parses and parses what it prints, for any keys and values', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.nat({ max: 1_000_000 }));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), { maxLength: 4, selector: ([k]) => k }), (pairs) => {
        const args = SessionArgs.from(Object.fromEntries(pairs));
        const text = args.toString();
        fc.pre(text.length <= SESSION_ARGS_MAX);
        const reparsed = SessionArgs.parse(text);
        expect(reparsed.toString()).toBe(text);
        for (const [k, v] of pairs) {
          if (typeof v === 'number') expect(reparsed.number(k)).toBe(v);
          else expect(reparsed.string(k)).toBe(v);
        }
      }),
    );
  });

  it('throws nothing but SessionArgsError on any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          SessionArgs.parse(text);
        } catch (error) {
          expect(error).toBeInstanceOf(SessionArgsError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('SessionLabel', () => {
  it('each parent puts the child name in front, joined by " -> "', () => {
    const inInit = SessionLabel.prefixed('hello', '');
    expect(inInit.text).toBe('hello');
    const inCore = SessionLabel.prefixed('init', inInit.text);
    expect(inCore.text).toBe('init -> hello');
    expect(SessionLabel.prefixed('init', SessionLabel.prefixed('hello', 'timer').text).text).toBe(
      'init -> hello -> timer',
    );
  });

  it('splits into prefix and last element, and strips a leading name as routes do', () => {
    const label = new SessionLabel('init -> sub -> client');
    expect(label.last()).toBe('client');
    expect(label.prefix()).toBe('init -> sub');
    expect(label.parts()).toEqual(['init', 'sub', 'client']);
    expect(label.withoutPrefix('init').text).toBe('sub -> client');
    expect(label.withoutPrefix('other').text).toBe('init -> sub -> client');
    expect(new SessionLabel('init').withoutPrefix('init').text).toBe('');
  });
});
