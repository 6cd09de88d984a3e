import { XmlNode } from '@os/runtime';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WAIT_MS, ScenarioError, runScenario, stateMatches } from '../src/index.js';

const kernel = kernelUnderTest().factory;
const ORIGIN = 'scenarios/under-test.xml';

/** An `<init_config>` with one dummy child "d" that logs `lines` and then does `after` (nothing: it stays). */
function initConfig(
  lines: readonly string[],
  { after = '', version = '' }: { after?: string; version?: string } = {},
): string {
  const exit = after === '<exit/>' ? '\n        <exit propagate="yes"/>' : '';
  return `  <init_config>
    <config>
      <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
      <default caps="100" ram="1M"/>
      <report/>
      <start name="d"${version === '' ? '' : ` version="${version}"`}>
        <binary name="dummy"/>
        <config> ${lines.map((line) => `<log string="${line}"/>`).join(' ')} ${after} </config>
        <route> <any-service> <parent/> </any-service> </route>${exit}
      </start>
    </config>
  </init_config>`;
}

/** A child that logs "hello" and "world" and stays. */
const STAYS = initConfig(['hello', 'world']);
/** A child that logs "hello" and "world" and exits with 0, which ends init with 0. */
const EXITS = initConfig(['hello', 'world'], { after: '<exit/>' });

/** A `<scenario>` of `parts` (init configs and steps), one per line or more. */
function scenario(...parts: string[]): string {
  return ['<scenario>', ...parts.map((part) => (part.startsWith('  ') ? part : `  ${part}`)), '</scenario>'].join('\n');
}

/** The 1-based line of `text` holding `needle` (the first such line from `from`). */
function lineOf(text: string, needle: string, from = 1): number {
  const index = text.split('\n').findIndex((line, at) => at + 1 >= from && line.includes(needle));
  if (index < 0) throw new Error(`test fixture: "${needle}" is not in the scenario`);
  return index + 1;
}

/** The error `runScenario` rejects with for `text`; fails the test if it resolves. */
async function failure(text: string): Promise<ScenarioError> {
  const error: unknown = await runScenario(text, ORIGIN, { kernel }).then(
    (run) => new Error(`the scenario passed: ${JSON.stringify(run.lines)}`),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ScenarioError);
  return error as ScenarioError;
}

const HELLO = '[init -> d] hello';
const WORLD = '[init -> d] world';

describe(`runScenario on ${kernelUnderTest().name}`, () => {
  describe('a scenario that holds', () => {
    it('returns every LOG line and init exit value', async () => {
      const run = await runScenario(
        scenario(
          EXITS,
          `<expect_log string="${HELLO}"/>`,
          `<expect_log string="${WORLD}"/>`,
          '<expect_exit value="0"/>',
        ),
        ORIGIN,
        { kernel },
      );
      expect(run.lines).toEqual([HELLO, WORLD]);
      expect(run.exitValue).toBe(0);
    });

    it('returns null as exit value while init runs, and the state reports it waited for', async () => {
      const text = scenario(
        STAYS,
        `<expect_log pattern="*world"/>`,
        '<expect_state> <child name="d" binary="dummy" absent="exited state"/> </expect_state>',
        '<forbid_log string="[init -> d] never"/>',
      );
      const run = await runScenario(text, ORIGIN, { kernel });
      expect(run.lines).toEqual([HELLO, WORLD]);
      expect(run.exitValue).toBeNull();
      expect(run.states.length).toBeGreaterThan(0);
      const last = XmlNode.parse(run.states.at(-1) as string, 'state');
      expect(last.subNodes('child').map((child) => [child.attribute('name'), child.attribute('binary')])).toEqual([
        ['d', 'dummy'],
      ]);
    });

    it('lets a <forbid_log> line through that an <expect_log> matched', async () => {
      const run = await runScenario(
        scenario(
          STAYS,
          `<forbid_log string="${HELLO}"/>`,
          `<expect_log string="${HELLO}"/>`,
          `<expect_log string="${WORLD}"/>`,
        ),
        ORIGIN,
        { kernel },
      );
      expect(run.lines).toEqual([HELLO, WORLD]);
    });

    it('confines a <forbid_log> to the phase of its <init_config>', async () => {
      const second = initConfig(['again'], { version: '2' });
      const run = await runScenario(
        scenario(
          STAYS,
          '<forbid_log string="[init -> d] again"/>',
          `<expect_log string="${WORLD}"/>`,
          second,
          '<expect_log string="[init -> d] again"/>',
          `<forbid_log string="${HELLO}"/>`,
        ),
        ORIGIN,
        { kernel },
      );
      expect(run.lines).toEqual([HELLO, WORLD, '[init -> d] again']);
    });
  });

  describe('an <expect_log> that does not hold', () => {
    it('rejects naming the step, the wait, the expected line and the log since the last <init_config>', async () => {
      const text = scenario(STAYS, `<expect_log string="${HELLO}"/>`, '<expect_log string="[init -> d] never"/>');
      const error = await failure(text);
      expect(error.message).toBe(
        [
          `${ORIGIN}:${lineOf(text, 'never')}: <expect_log>: not seen within ${DEFAULT_WAIT_MS} ms of virtual time`,
          'expected: [init -> d] never',
          'log since the last <init_config>:',
          `  ${HELLO}`,
          `  ${WORLD}`,
        ].join('\n'),
      );
      expect(error.name).toBe('ScenarioError');
    });

    it('waits timeout_ms when given', async () => {
      const text = scenario(STAYS, '<expect_log string="nope" timeout_ms="250"/>');
      const error = await failure(text);
      expect(
        error.message.startsWith(
          `${ORIGIN}:${lineOf(text, 'nope')}: <expect_log>: not seen within 250 ms of virtual time\nexpected: nope\n`,
        ),
      ).toBe(true);
    });

    it('does not match one line twice', async () => {
      const text = scenario(
        STAYS,
        `<expect_log string="${HELLO}"/>`,
        `<expect_log string="${HELLO}" timeout_ms="100"/>`,
      );
      const error = await failure(text);
      expect(error.message).toBe(
        `${ORIGIN}:${lineOf(text, 'timeout_ms')}: <expect_log>: not seen within 100 ms of virtual ` +
          `time\nexpected: ${HELLO}\nlog since the last <init_config>:\n  ${HELLO}\n  ${WORLD}`,
      );
    });

    it('does not match a line printed before the last <init_config>', async () => {
      const second = initConfig(['again'], { version: '2' });
      const text = scenario(
        STAYS,
        `<expect_log string="${WORLD}"/>`,
        second,
        '<expect_log string="[init -> d] again"/>',
        `<expect_log string="${HELLO}" timeout_ms="100"/>`,
      );
      const error = await failure(text);
      expect(error.message).toBe(
        `${ORIGIN}:${lineOf(text, 'timeout_ms')}: <expect_log>: not seen within 100 ms of virtual ` +
          `time\nexpected: ${HELLO}\nlog since the last <init_config>:\n  [init -> d] again`,
      );
    });

    it('reports that init exited first when it did', async () => {
      const text = scenario(EXITS, '<expect_log string="[init -> d] never"/>');
      const error = await failure(text);
      expect(error.message).toBe(
        `${ORIGIN}:${lineOf(text, 'never')}: <expect_log>: init exited with 0 first\nexpected: [init -> d] ` +
          `never\nlog since the last <init_config>:\n  ${HELLO}\n  ${WORLD}`,
      );
    });
  });

  describe('pattern', () => {
    it('lets * stand for any run of characters, and nothing else', async () => {
      const run = await runScenario(
        scenario(STAYS, '<expect_log pattern="[init -> d] h*o"/>', '<expect_log pattern="*orl*"/>'),
        ORIGIN,
        { kernel },
      );
      expect(run.lines).toEqual([HELLO, WORLD]);
    });

    it('treats regular-expression characters literally', async () => {
      const text = scenario(STAYS, '<expect_log pattern="[init -> d] h.llo" timeout_ms="100"/>');
      const error = await failure(text);
      expect(
        error.message.startsWith(
          `${ORIGIN}:${lineOf(text, 'h.llo')}: <expect_log>: not seen within 100 ms of virtual time\nexpected: ` +
            `[init -> d] h.llo\n`,
        ),
      ).toBe(true);
    });

    it('matches the whole line', async () => {
      const text = scenario(STAYS, '<expect_log pattern="hello" timeout_ms="100"/>');
      const error = await failure(text);
      expect(
        error.message.startsWith(`${ORIGIN}:${lineOf(text, 'pattern')}: <expect_log>: not seen within 100 ms`),
      ).toBe(true);
    });
  });

  it('rejects an <expect_state> no report matches with the expectation and the latest report', async () => {
    const step = '<expect_state timeout_ms="300"> <child name="d" exited="1"/> </expect_state>';
    const text = scenario(STAYS, `<expect_log string="${WORLD}"/>`, step);
    const error = await failure(text);
    const [head, expected, caption, ...report] = error.message.split('\n');
    expect([head, expected, caption]).toEqual([
      `${ORIGIN}:${lineOf(text, 'expect_state')}: <expect_state>: not seen within 300 ms of virtual time`,
      `expected: ${step}`,
      'latest state report:',
    ]);
    const latest = XmlNode.parse(report.join('\n'), 'latest');
    expect(latest.subNodes('child').map((child) => child.attribute('name'))).toEqual(['d']);
  });

  it('rejects a <forbid_log> whose line appeared, naming the line', async () => {
    const text = scenario(
      STAYS,
      `<expect_log string="${HELLO}"/>`,
      `<forbid_log string="${WORLD}"/>`,
      '<sleep ms="100"/>',
    );
    const error = await failure(text);
    expect(error.message).toBe(`${ORIGIN}:${lineOf(text, 'forbid_log')}: <forbid_log>: the line appeared: ${WORLD}`);
  });

  it('rejects a <forbid_log pattern> that matches a line', async () => {
    const text = scenario(STAYS, '<forbid_log pattern="*wor*"/>', '<sleep ms="100"/>');
    const error = await failure(text);
    expect(error.message).toBe(`${ORIGIN}:${lineOf(text, 'forbid_log')}: <forbid_log>: the line appeared: ${WORLD}`);
  });

  it('rejects an <expect_exit value> other than init exit value', async () => {
    const text = scenario(EXITS, '<expect_exit value="3"/>');
    const error = await failure(text);
    expect(error.message).toBe(`${ORIGIN}:${lineOf(text, 'expect_exit')}: <expect_exit value="3">: init exited with 0`);
  });

  describe('a malformed scenario', () => {
    it('rejects a root other than <scenario>', async () => {
      const error = await failure(`<!-- comment -->\n<tests>\n${EXITS}\n</tests>`);
      expect(error.message).toBe(`${ORIGIN}:2: the root element must be <scenario>, not <tests>`);
    });

    it('rejects an unknown step, naming it and the known ones', async () => {
      const text = scenario(STAYS, `<expect_log string="${HELLO}"/>`, '<expect_nothing/>');
      const error = await failure(text);
      expect(error.message).toBe(
        `${ORIGIN}:${lineOf(text, 'expect_nothing')}: unknown step <expect_nothing> (known: <init_config>, ` +
          `<expect_log>, <expect_state>, <forbid_log>, <sleep>, <expect_exit>)`,
      );
    });

    it('rejects a scenario that does not start with <init_config>', async () => {
      const text = scenario(`<expect_log string="${HELLO}"/>`, STAYS);
      expect((await failure(text)).message).toBe(`${ORIGIN}:2: a scenario starts with an <init_config>`);
      expect((await failure('<scenario>\n</scenario>')).message).toBe(
        `${ORIGIN}:1: a scenario starts with an <init_config>`,
      );
    });

    it('rejects an <init_config> without exactly one <config>', async () => {
      expect((await failure(scenario('<init_config/>'))).message).toBe(
        `${ORIGIN}:2: <init_config> holds exactly one <config>`,
      );
      expect((await failure(scenario('<init_config> <config/> <config/> </init_config>'))).message).toBe(
        `${ORIGIN}:2: <init_config> holds exactly one <config>`,
      );
    });

    it('rejects an <expect_log> or <forbid_log> with both string and pattern, or neither', async () => {
      const needs = (step: string): string =>
        `<${step}> needs either string="..." or pattern="..." (with * for any characters)`;
      const both = scenario(STAYS, `<expect_log string="${HELLO}" pattern="*"/>`);
      expect((await failure(both)).message).toBe(`${ORIGIN}:${lineOf(both, 'pattern')}: ${needs('expect_log')}`);
      const neither = scenario(STAYS, `<expect_log string="${HELLO}"/>`, '<expect_log timeout_ms="5"/>');
      expect((await failure(neither)).message).toBe(
        `${ORIGIN}:${lineOf(neither, 'timeout_ms')}: ${needs('expect_log')}`,
      );
      const forbid = scenario(STAYS, '<forbid_log/>');
      expect((await failure(forbid)).message).toBe(`${ORIGIN}:${lineOf(forbid, 'forbid_log')}: ${needs('forbid_log')}`);
    });
  });
});

describe('stateMatches', () => {
  const actual = XmlNode.parse(
    `<state version="2">
      <child name="a" binary="dummy" id="1">
        <ram assigned="1M" quota="1M"/>
        <requested> <session name="LOG" label="a" state="OK"/> <session name="ROM" label="a -> config" state="OK"/> \
</requested>
      </child>
      <child name="b" binary="dummy" id="2" exited="0"/>
    </state>`,
    'state report',
  );
  const matches = (expected: string): boolean => stateMatches(XmlNode.parse(expected, 'expected'), actual);

  it('asks every attribute it names to be equal, as text', () => {
    expect(matches('<state/>')).toBe(true);
    expect(matches('<state version="2"/>')).toBe(true);
    expect(matches('<state version="3"/>')).toBe(false);
    expect(matches('<state version="02"/>')).toBe(false);
    expect(matches('<state other="2"/>')).toBe(false);
  });

  it('asks the types to be equal', () => {
    expect(matches('<report version="2"/>')).toBe(false);
  });

  it('asks the attributes named in absent to be missing', () => {
    expect(matches('<state> <child name="a" absent="exited"/> </state>')).toBe(true);
    expect(matches('<state> <child name="b" absent="exited"/> </state>')).toBe(false);
    expect(matches('<state> <child name="a" absent="  state   skipped_heartbeats "/> </state>')).toBe(true);
    expect(matches('<state> <child name="a" absent="state id"/> </state>')).toBe(false);
    expect(matches('<state> <child absent=""/> </state>')).toBe(true);
  });

  it('asks each sub node to match some sub node of the same type, at any depth and in any order', () => {
    expect(matches('<state> <child name="b"/> <child name="a"/> </state>')).toBe(true);
    expect(matches('<state> <child name="c"/> </state>')).toBe(false);
    expect(matches('<state> <child name="a" id="2"/> </state>')).toBe(false);
    expect(
      matches('<state> <child name="a"> <requested> <session name="ROM" state="OK"/> </requested> </child> </state>'),
    ).toBe(true);
    expect(
      matches('<state> <child name="a"> <requested> <session name="ROM" label="a"/> </requested> </child> </state>'),
    ).toBe(false);
    expect(matches('<state> <child name="b"> <requested/> </child> </state>')).toBe(false);
    expect(matches('<state> <child name="a"> <ram assigned="1M"/> <provided/> </child> </state>')).toBe(false);
    expect(matches('<state> <child name="a"> <ram quota="1M"/> </child> <child exited="0"/> </state>')).toBe(true);
  });

  it('lets two expected sub nodes match the same actual one', () => {
    expect(matches('<state> <child name="a"/> <child binary="dummy" id="1"/> </state>')).toBe(true);
  });
});
