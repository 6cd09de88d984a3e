import { dummy } from '@os/dummy';
import { init } from '@os/init';
import { type KernelFactory, VirtualClock } from '@os/kernel';
import { type ComponentModule, XmlNode } from '@os/runtime';
import { type BinaryResolver, binaryTable, boot } from '@os/runtime/host';
import { timerDriver } from '@os/timer';
import { ScenarioError } from './scenario-error.js';
import { stateMatches } from './state-match.js';

/** A component that crashes: its `construct` throws, as a component with a bug does. */
export const fault: ComponentModule = {
  construct() {
    throw new Error('deliberate fault');
  },
};

/** The binaries scenarios can start, by their Genode names, and `fault`. */
export const SCENARIO_BINARIES: Readonly<Record<string, ComponentModule>> = { init, timer: timerDriver, dummy, fault };

/** The session label of the top init's state report at core. */
export const STATE_REPORT_LABEL = 'init -> state';

/** How long (virtual milliseconds) an expectation waits by default. */
export const DEFAULT_WAIT_MS = 10_000;

/** What a scenario run leaves behind. */
export interface ScenarioRun {
  /** Every LOG line. */
  readonly lines: readonly string[];
  /** Every state report of the top init, in order. */
  readonly states: readonly string[];
  /** The top init's exit value, if it exited. */
  readonly exitValue: number | null;
}

/** How to run a scenario. */
export interface ScenarioOptions {
  /** The kernel. */
  readonly kernel: KernelFactory;
  /** Binaries beyond {@link SCENARIO_BINARIES}. */
  readonly binaries?: Readonly<Record<string, ComponentModule>>;
}

const STEPS = ['init_config', 'expect_log', 'expect_state', 'forbid_log', 'sleep', 'expect_exit'] as const;

/**
 * Runs one scenario (root element `<scenario>`) on virtual time: the first `<init_config>` boots the
 * top init with its `<config>`, later ones replace init's config ROM; `<expect_log string>` waits for
 * a LOG line equal to `string` (or matching `pattern`, `*` standing for any characters) printed since the last
 * `<init_config>` and not matched before (so lines of different components may come in any order within a config's
 * phase); `<expect_state>` waits for a state report matching its children (see `stateMatches`); `<sleep ms>` lets
 * virtual time pass; `<expect_exit value>` waits for init to exit; `<forbid_log string>` fails the run if such a line
 * appears in its phase (between the `<init_config>` before it and the next, or the end of the run)
 * other than those an `<expect_log>` matched. Waits give up after `timeout_ms` (default {@link DEFAULT_WAIT_MS}) of
 * virtual time.
 */
export async function runScenario(text: string, origin: string, options: ScenarioOptions): Promise<ScenarioRun> {
  const scenario = XmlNode.parse(text, origin);
  if (scenario.type !== 'scenario')
    throw new ScenarioError(origin, scenario.line, `the root element must be <scenario>, not <${scenario.type}>`);
  const steps = scenario.subNodes();
  for (const step of steps) {
    if (!(STEPS as readonly string[]).includes(step.type))
      throw new ScenarioError(
        origin,
        step.line,
        `unknown step <${step.type}> (known: ${STEPS.map((name) => `<${name}>`).join(', ')})`,
      );
  }
  const first = steps[0];
  if (first?.type !== 'init_config')
    throw new ScenarioError(origin, first?.line ?? scenario.line, 'a scenario starts with an <init_config>');
  const forbidden: { step: XmlNode; line: LineMatcher; from: number; to: number | null }[] = [];

  const clock = new VirtualClock();
  const lines: string[] = [];
  const states: string[] = [];
  const wakers = new Set<() => void>();
  const wake = (): void => {
    for (const waker of [...wakers]) waker();
  };
  let exitValue: number | null = null;
  let failure: unknown = null;
  const abort = new AbortController();
  const encoder = new TextEncoder();
  const binaries: BinaryResolver = binaryTable({ ...SCENARIO_BINARIES, ...options.binaries });
  const system = await boot(
    { init: 'init', binaries, roms: new Map([['config', encoder.encode(configText(first, origin))]]) },
    {
      kernel: options.kernel,
      clock,
      signal: abort.signal,
      log: (line) => {
        lines.push(line);
        wake();
      },
      onReport: (label, report) => {
        if (label !== STATE_REPORT_LABEL) return;
        states.push(new TextDecoder().decode(report));
        wake();
      },
    },
  );
  system.exit.then(
    (value) => {
      exitValue = value;
      wake();
    },
    (error: unknown) => {
      failure = error;
      wake();
    },
  );

  /** Resolves once `done()` holds; rejects when `timeoutMs` of virtual time pass or the system ends first. */
  const until = (step: XmlNode, done: () => boolean, describe: () => string): Promise<void> => {
    const timeoutMs = step.numberAttribute('timeout_ms', DEFAULT_WAIT_MS);
    return new Promise<void>((resolve, reject) => {
      let timedOut = false;
      const timer = clock.schedule(clock.now() + timeoutMs * 1000, () => {
        timedOut = true;
        check();
      });
      const finish = (error: Error | null): void => {
        wakers.delete(check);
        clock.cancel(timer);
        if (error === null) resolve();
        else reject(error);
      };
      function check(): void {
        if (done()) {
          finish(null);
          return;
        }
        if (failure !== null && !(failure instanceof Error && failure.name === 'AbortError')) {
          finish(
            new ScenarioError(
              origin,
              step.line,
              `<${step.type}>: the system ended ` +
                `first: ${failure instanceof Error ? failure.message : String(failure)}\n${describe()}`,
            ),
          );
          return;
        }
        if (exitValue !== null && step.type !== 'expect_exit') {
          finish(
            new ScenarioError(origin, step.line, `<${step.type}>: init exited with ${exitValue} first\n${describe()}`),
          );
          return;
        }
        if (timedOut)
          finish(
            new ScenarioError(
              origin,
              step.line,
              `<${step.type}>: not seen within ${timeoutMs} ms of virtual time\n${describe()}`,
            ),
          );
      }
      wakers.add(check);
      check();
    });
  };

  let phase = 0;
  const matched = new Set<number>();
  try {
    for (const step of steps.slice(1)) {
      switch (step.type) {
        case 'init_config':
          phase = lines.length;
          for (const entry of forbidden) entry.to ??= phase;
          system.core.updateRom('config', encoder.encode(configText(step, origin)));
          break;
        case 'expect_log': {
          const wanted = lineMatcher(step, origin);
          await until(
            step,
            () => {
              for (let index = phase; index < lines.length; index++) {
                if (matched.has(index) || !wanted.test(lines[index] as string)) continue;
                matched.add(index);
                return true;
              }
              return false;
            },
            () =>
              `expected: ${wanted.text}\nlog since the last <init_config>:\n${lines
                .slice(phase)
                .map((line) => `  ${line}`)
                .join('\n')}`,
          );
          break;
        }
        case 'expect_state': {
          const from = states.length;
          await until(
            step,
            () =>
              states
                .slice(Math.max(0, from - 1))
                .some((state) => stateMatches(withRoot(step), XmlNode.parse(state, 'state report'))),
            () => `expected: ${step.source}\nlatest state report:\n${states.at(-1) ?? '(none)'}`,
          );
          break;
        }
        case 'sleep': {
          const ms = step.numberAttribute('ms', 0);
          await new Promise<void>((resolve) => clock.schedule(clock.now() + ms * 1000, resolve));
          break;
        }
        case 'expect_exit': {
          await until(
            step,
            () => exitValue !== null,
            () =>
              `log:\n${lines
                .slice(-20)
                .map((line) => `  ${line}`)
                .join('\n')}`,
          );
          const wanted = step.numberAttribute('value', 0);
          if (exitValue !== wanted)
            throw new ScenarioError(
              origin,
              step.line,
              `<expect_exit value="${wanted}">: init exited with ${exitValue}`,
            );
          break;
        }
        case 'forbid_log':
          forbidden.push({ step, line: lineMatcher(step, origin), from: phase, to: null });
          break;
        default:
          break;
      }
    }
    for (const { step, line: unwanted, from, to } of forbidden) {
      const seen = lines
        .slice(from, to ?? lines.length)
        .find((line, index) => unwanted.test(line) && !matched.has(from + index));
      if (seen !== undefined) throw new ScenarioError(origin, step.line, `<forbid_log>: the line appeared: ${seen}`);
    }
  } finally {
    abort.abort();
    await system.exit.catch(() => undefined);
  }
  return { lines, states, exitValue };
}

/** What an `<expect_log>` or `<forbid_log>` looks for. */
interface LineMatcher {
  /** The attribute as written, for messages. */
  readonly text: string;
  /** Whether `line` is one. */
  test(line: string): boolean;
}

/** `string="..."` matches a line exactly; `pattern="..."` with `*` standing for any run of characters. */
function lineMatcher(step: XmlNode, origin: string): LineMatcher {
  const string = step.attribute('string');
  const pattern = step.attribute('pattern');
  if ((string === undefined) === (pattern === undefined))
    throw new ScenarioError(
      origin,
      step.line,
      `<${step.type}> needs either string="..." or pattern="..." (with * for any characters)`,
    );
  if (string !== undefined) return { text: string, test: (line) => line === string };
  const text = pattern as string;
  const regex = new RegExp(
    `^${text
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return { text, test: (line) => regex.test(line) };
}

/** The `<config>` inside an `<init_config>`, as text. */
function configText(step: XmlNode, origin: string): string {
  const configs = step.subNodes();
  const config = configs[0];
  if (configs.length !== 1 || config?.type !== 'config')
    throw new ScenarioError(origin, step.line, '<init_config> holds exactly one <config>');
  return config.source;
}

/** An `<expect_state>` read as the `<state>` node it expects. */
function withRoot(step: XmlNode): XmlNode {
  const source = step.source.replace(/^<expect_state/, '<state').replace(/<\/expect_state>$/, '</state>');
  return XmlNode.parse(source.replace(/\stimeout_ms="[^"]*"/, ''), step.origin);
}
