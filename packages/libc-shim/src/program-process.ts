/** What the shim builds a program's `process` from. */
export interface ProcessParts {
  /** `process.argv`: the program's name (Node's executable slot), its binary, then the arguments. */
  readonly argv: readonly string[];
  /** `process.env`. */
  readonly env: Readonly<Record<string, string>>;
  /** `process.cwd()`. */
  readonly cwd: string;
  /** Ends the program with exit value `code` (or `process.exitCode`); never returns. */
  exit(code?: number): never;
  /** `process.exitCode`. */
  readonly exitCode: { get(): number | undefined; set(value: number | undefined): void };
  /** Writes to the program's stdout or stderr file. */
  write(stream: 'stdout' | 'stderr', text: string): void;
  /** Microseconds since the program started, for `hrtime` and `uptime`; `use` names the read (`process.uptime()`). */
  nowUs(use: string): number;
  /** Runs `callback` after the current operation, before any timer. */
  nextTick(callback: () => void): void;
}

/** The subset of Node's `process` a program under the shim gets; all of it from the component's config and sessions. */
export function programProcess(parts: ProcessParts) {
  const hrtime = (previous?: readonly [number, number]): [number, number] => {
    const ns = Math.round(parts.nowUs('process.hrtime()') * 1000);
    let seconds = Math.floor(ns / 1e9);
    let nanos = ns % 1e9;
    if (previous !== undefined) {
      seconds -= previous[0];
      nanos -= previous[1];
      if (nanos < 0) {
        seconds--;
        nanos += 1e9;
      }
    }
    return [seconds, nanos];
  };
  hrtime.bigint = (): bigint => BigInt(Math.round(parts.nowUs('process.hrtime.bigint()') * 1000));
  const stream = (name: 'stdout' | 'stderr') => ({
    write(chunk: unknown): boolean {
      parts.write(name, typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk as Uint8Array));
      return true;
    },
    isTTY: false,
  });
  const process = {
    argv: [...parts.argv],
    argv0: parts.argv[0] ?? '',
    env: { ...parts.env },
    platform: 'genode',
    pid: 1,
    version: 'v0.0.0-os-libc-shim',
    versions: {},
    exit: (code?: number): never => parts.exit(code),
    get exitCode(): number | undefined {
      return parts.exitCode.get();
    },
    set exitCode(value: number | undefined) {
      parts.exitCode.set(value);
    },
    cwd: (): string => parts.cwd,
    hrtime,
    uptime: (): number => parts.nowUs('process.uptime()') / 1e6,
    nextTick: (callback: (...args: unknown[]) => void, ...args: unknown[]): void =>
      parts.nextTick(() => callback(...args)),
    stdout: stream('stdout'),
    stderr: stream('stderr'),
    emitWarning: (warning: unknown): void =>
      parts.write('stderr', `Warning: ${warning instanceof Error ? warning.message : String(warning)}\n`),
  };
  return process;
}
