import { errorCode } from '@os/kernel';

/** The longest argument string a session request carries, as Genode's `Parent::Session_args` (`Rpc_in_buffer<160>`). */
export const SESSION_ARGS_MAX = 160;

/** An argument string that is not in Genode's `key=value, key="value"` syntax, or too long. */
export class SessionArgsError extends Error {
  /** Stable code of this failure, `ERR_OS_SESSION_ARGS`: compare it, not the class, to recognise an error from another copy of this package. */
  readonly code: string;

  /** The code of this class's errors (`SessionArgsError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error; `position` is the character offset where parsing failed. */
  constructor(
    /** The argument string. */
    readonly args: string,
    /** Character offset of the problem. */
    readonly position: number,
    /** What is wrong there. */
    readonly reason: string,
  ) {
    super(`session arguments ${JSON.stringify(args)}, at character ${position}: ${reason}`);
    this.name = 'SessionArgsError';
    this.code = errorCode(new.target.name);
  }
}

/** One `key=value` of an argument string: `text` is the value as written (a quoted string keeps its quotes). */
export interface SessionArg {
  /** An identifier: a letter or underline, then letters, digits, underlines. */
  readonly key: string;
  /** The value token as written. */
  readonly text: string;
}

const SIZE_SUFFIX: Record<string, number> = { K: 1024, M: 1024 * 1024, G: 1024 * 1024 * 1024 };

function isIdentStart(char: string): boolean {
  return (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || char === '_';
}

function isIdentPart(char: string): boolean {
  return isIdentStart(char) || (char >= '0' && char <= '9');
}

/** Quotes `text` as a Genode string token, escaping `"` and `\`. */
export function quoteArg(text: string): string {
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/**
 * Session arguments in Genode's syntax: `label="hello", ram_quota=8K, cap_quota=4`. As in Genode's
 * `Arg_string`, the first argument is the weakest: setting a key removes it and appends it at the end.
 * Parsing is strict: anything Genode's scanner would silently skip is a {@link SessionArgsError}.
 */
export class SessionArgs {
  readonly #args: SessionArg[];

  private constructor(args: SessionArg[]) {
    this.#args = args;
  }

  /** Parses an argument string. */
  static parse(args: string): SessionArgs {
    if (args.length > SESSION_ARGS_MAX) throw new SessionArgsError(args, SESSION_ARGS_MAX, `longer than ${SESSION_ARGS_MAX} characters`);
    const parsed: SessionArg[] = [];
    let at = 0;
    const skipSpace = (): void => {
      while (at < args.length && (args[at] === ' ' || args[at] === '\t')) at++;
    };
    skipSpace();
    if (at === args.length) return new SessionArgs(parsed);
    for (;;) {
      skipSpace();
      const keyStart = at;
      if (!isIdentStart(args[at] ?? '')) throw new SessionArgsError(args, at, 'expected a key (a letter or underline, then letters, digits or underlines)');
      while (at < args.length && isIdentPart(args[at] as string)) at++;
      const key = args.slice(keyStart, at);
      skipSpace();
      if (args[at] !== '=') throw new SessionArgsError(args, at, `expected "=" after key "${key}"`);
      at++;
      skipSpace();
      const valueStart = at;
      if (args[at] === '"') {
        at++;
        while (at < args.length && args[at] !== '"') at += args[at] === '\\' ? 2 : 1;
        if (at >= args.length) throw new SessionArgsError(args, valueStart, `the string value of "${key}" is not terminated`);
        at++;
      } else {
        while (at < args.length && args[at] !== ',' && args[at] !== ' ' && args[at] !== '\t') at++;
        if (at === valueStart) throw new SessionArgsError(args, at, `key "${key}" has no value`);
      }
      parsed.push({ key, text: args.slice(valueStart, at) });
      skipSpace();
      if (at === args.length) return new SessionArgs(parsed);
      if (args[at] !== ',') throw new SessionArgsError(args, at, `expected "," after the value of "${key}"`);
      at++;
    }
  }

  /** Builds arguments from values: strings are quoted, numbers written as decimal integers. */
  static from(values: Readonly<Record<string, string | number | boolean>>): SessionArgs {
    const args = new SessionArgs([]);
    for (const [key, value] of Object.entries(values)) args.set(key, value);
    return args;
  }

  /** The arguments in order, weakest first. */
  entries(): readonly SessionArg[] {
    return this.#args;
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this.#find(key) !== undefined;
  }

  #find(key: string): SessionArg | undefined {
    for (let i = this.#args.length - 1; i >= 0; i--) if (this.#args[i]?.key === key) return this.#args[i];
    return undefined;
  }

  /**
   * The value of `key` as a non-negative integer, with Genode's size suffixes K, M and G (`8K` is 8192);
   * `fallback` if absent. A value that is not such a number throws {@link SessionArgsError}.
   */
  number(key: string, fallback = 0): number {
    const arg = this.#find(key);
    if (arg === undefined) return fallback;
    const match = /^(\d+)([KMG]?)$/.exec(arg.text);
    if (match === null) throw new SessionArgsError(this.toString(), 0, `"${key}" must be a non-negative integer with an optional K, M or G suffix, got ${arg.text}`);
    const value = Number(match[1]) * (SIZE_SUFFIX[match[2] as string] ?? 1);
    if (!Number.isSafeInteger(value)) throw new SessionArgsError(this.toString(), 0, `"${key}" is too large: ${arg.text}`);
    return value;
  }

  /** The value of `key` as a string: a quoted string unquoted, or a bare word as written; `fallback` if absent. */
  string(key: string, fallback = ''): string {
    const arg = this.#find(key);
    if (arg === undefined) return fallback;
    if (!arg.text.startsWith('"')) return arg.text;
    return arg.text.slice(1, -1).replace(/\\([\s\S])/g, '$1');
  }

  /** The value of `key` as a boolean (`yes`/`true`/`on`/non-zero, `no`/`false`/`off`/`0`); `fallback` if absent or otherwise. */
  boolean(key: string, fallback = false): boolean {
    const arg = this.#find(key);
    if (arg === undefined) return fallback;
    if (['yes', 'true', 'on'].includes(arg.text)) return true;
    if (['no', 'false', 'off'].includes(arg.text)) return false;
    return /^\d+$/.test(arg.text) ? Number(arg.text) !== 0 : fallback;
  }

  /** Sets `key` (removing an earlier value and appending it last, as Genode's `Arg_string::set_arg`). */
  set(key: string, value: string | number | boolean): this {
    if (key.length === 0 || !isIdentStart(key[0] as string) || ![...key].every(isIdentPart)) {
      throw new SessionArgsError(key, 0, `"${key}" is not a valid key`);
    }
    let text: string;
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value) || value < 0) throw new SessionArgsError(key, 0, `"${key}" must be a non-negative integer, got ${value}`);
      text = String(value);
    } else if (typeof value === 'boolean') text = value ? 'yes' : 'no';
    else text = quoteArg(value);
    this.remove(key);
    this.#args.push({ key, text });
    return this;
  }

  /** Removes every value of `key`. */
  remove(key: string): this {
    for (let i = this.#args.length - 1; i >= 0; i--) if (this.#args[i]?.key === key) this.#args.splice(i, 1);
    return this;
  }

  /** A copy that can be changed independently. */
  clone(): SessionArgs {
    return new SessionArgs([...this.#args]);
  }

  /** The arguments in Genode's syntax, joined by `", "`. */
  toString(): string {
    return this.#args.map((arg) => `${arg.key}=${arg.text}`).join(', ');
  }
}
