import { formatWithOptions } from 'node:util';

/** Where a console writes: `stdout` for log/info/debug, `stderr` for error/warn/trace. */
export type ConsoleStream = 'stdout' | 'stderr';

/** The console methods a component gets; each formats its arguments as Node's `console` does. */
export interface ComponentConsole {
  /** Writes to stdout. */
  log(...data: unknown[]): void;
  /** Writes to stdout. */
  info(...data: unknown[]): void;
  /** Writes to stdout. */
  debug(...data: unknown[]): void;
  /** Writes to stdout. */
  dir(item: unknown): void;
  /** Writes to stderr. */
  error(...data: unknown[]): void;
  /** Writes to stderr. */
  warn(...data: unknown[]): void;
  /** Writes to stderr, with "Trace: " in front. */
  trace(...data: unknown[]): void;
  /** Writes the failed assertion's message to stderr when `condition` is falsy. */
  assert(condition?: unknown, ...data: unknown[]): void;
}

// customInspect off: a component's own inspect hook would otherwise be handed the host's `inspect`
const FORMAT_OPTIONS = { customInspect: false, colors: false, depth: 4 } as const;

/**
 * A `console` whose lines go to `write` instead of the process's stdout: the only console a
 * component sees. Formatting follows Node (`%s`, `%d`, `%o`, objects inspected), without calling
 * any inspect hook of the component's objects.
 */
export function componentConsole(write: (stream: ConsoleStream, text: string) => void): ComponentConsole {
  const format = (data: unknown[]): string => formatWithOptions(FORMAT_OPTIONS, ...data);
  const out = (...data: unknown[]): void => write('stdout', format(data));
  const err = (...data: unknown[]): void => write('stderr', format(data));
  return {
    log: out,
    info: out,
    debug: out,
    dir: (item) => write('stdout', format([item])),
    error: err,
    warn: err,
    trace: (...data) => write('stderr', `Trace: ${format(data)}`),
    assert: (condition, ...data) => {
      if (!condition) write('stderr', `Assertion failed${data.length === 0 ? '' : `: ${format(data)}`}`);
    },
  };
}
