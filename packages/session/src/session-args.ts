import { errorCode } from '@os/kernel';

/** The longest argument string a session request carries, as Genode's `Parent::Session_args` (`Rpc_in_buffer<160>`). */
export const SESSION_ARGS_MAX = 160;

/** An argument string that is not in Genode's `key=value, key="value"` syntax, or too long. */
export class SessionArgsError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_SESSION_ARGS`: compare it, not the class, to recognise an error from another
   * copy of this package.
   */
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
    // quote at most what a valid string can hold: refusing an over-long string costs the same
    // whatever its length, and the message stays readable
    const quoted =
      args.length > SESSION_ARGS_MAX
        ? `${JSON.stringify(args.slice(0, SESSION_ARGS_MAX))}… (${args.length} characters)`
        : JSON.stringify(args);
    super(`session arguments ${quoted}, at character ${position}: ${reason}`);
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

// character codes: session arguments are parsed on every session request, at every hop of its route
const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isIdentStartCode(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x5f;
}

function isIdentPartCode(code: number): boolean {
  return isIdentStartCode(code) || (code >= 0x30 && code <= 0x39);
}

function skipSpace(text: string, from: number): number {
  let at = from;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code !== SPACE && code !== TAB) break;
    at++;
  }
  return at;
}

/**
 * The digits-and-suffix value of a number token, or -1 when it is not one: no regular expression on the path of every
 * request.
 */
function parseNumberToken(text: string): number {
  let end = text.length;
  let scale = 1;
  const last = text.charCodeAt(end - 1);
  if (last === 0x4b) scale = 1024;
  else if (last === 0x4d) scale = 1024 * 1024;
  else if (last === 0x47) scale = 1024 * 1024 * 1024;
  if (scale !== 1) end--;
  if (end === 0) return -1;
  let value = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return -1;
    value = value * 10 + (code - 0x30);
  }
  return value * scale;
}

/** Quotes `text` as a Genode string token, escaping `"` and `\`. */
export function quoteArg(text: string): string {
  if (!text.includes('"') && !text.includes('\\')) return `"${text}"`;
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
    if (args.length > SESSION_ARGS_MAX)
      throw new SessionArgsError(args, SESSION_ARGS_MAX, `longer than ${SESSION_ARGS_MAX} characters`);
    const parsed: SessionArg[] = [];
    const end = args.length;
    let at = skipSpace(args, 0);
    if (at === end) return new SessionArgs(parsed);
    for (;;) {
      at = skipSpace(args, at);
      const keyStart = at;
      if (at === end || !isIdentStartCode(args.charCodeAt(at)))
        throw new SessionArgsError(
          args,
          at,
          'expected a key (a letter or underline, then letters, digits or underlines)',
        );
      at++;
      while (at < end && isIdentPartCode(args.charCodeAt(at))) at++;
      const key = args.slice(keyStart, at);
      at = skipSpace(args, at);
      if (args.charCodeAt(at) !== EQUALS) throw new SessionArgsError(args, at, `expected "=" after key "${key}"`);
      at = skipSpace(args, at + 1);
      const valueStart = at;
      if (args.charCodeAt(at) === QUOTE) {
        at++;
        while (at < end && args.charCodeAt(at) !== QUOTE) at += args.charCodeAt(at) === BACKSLASH ? 2 : 1;
        if (at >= end) throw new SessionArgsError(args, valueStart, `the string value of "${key}" is not terminated`);
        at++;
      } else {
        while (at < end) {
          const code = args.charCodeAt(at);
          if (code === COMMA || code === SPACE || code === TAB) break;
          at++;
        }
        if (at === valueStart) throw new SessionArgsError(args, at, `key "${key}" has no value`);
      }
      parsed.push({ key, text: args.slice(valueStart, at) });
      at = skipSpace(args, at);
      if (at === end) return new SessionArgs(parsed);
      if (args.charCodeAt(at) !== COMMA)
        throw new SessionArgsError(args, at, `expected "," after the value of "${key}"`);
      at++;
    }
  }

  /** Builds arguments from values: strings are quoted, numbers written as decimal integers. */
  static from(values: Readonly<Record<string, string | number | boolean>>): SessionArgs {
    const args = new SessionArgs([]);
    for (const key in values) if (Object.hasOwn(values, key)) args.set(key, values[key] as string | number | boolean);
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
    const value = parseNumberToken(arg.text);
    if (value < 0)
      throw new SessionArgsError(
        this.toString(),
        0,
        `"${key}" must be a non-negative integer with an optional K, M or G suffix, got ${arg.text}`,
      );
    if (!Number.isSafeInteger(value))
      throw new SessionArgsError(this.toString(), 0, `"${key}" is too large: ${arg.text}`);
    return value;
  }

  /** The value of `key` as a string: a quoted string unquoted, or a bare word as written; `fallback` if absent. */
  string(key: string, fallback = ''): string {
    const arg = this.#find(key);
    if (arg === undefined) return fallback;
    if (arg.text.charCodeAt(0) !== QUOTE) return arg.text;
    const inner = arg.text.slice(1, -1);
    return inner.includes('\\') ? inner.replace(/\\([\s\S])/g, '$1') : inner;
  }

  /**
   * The value of `key` as a boolean (`yes`/`true`/`on`/non-zero, `no`/`false`/`off`/`0`); `fallback` if absent or
   * otherwise.
   */
  boolean(key: string, fallback = false): boolean {
    const arg = this.#find(key);
    if (arg === undefined) return fallback;
    if (['yes', 'true', 'on'].includes(arg.text)) return true;
    if (['no', 'false', 'off'].includes(arg.text)) return false;
    return /^\d+$/.test(arg.text) ? Number(arg.text) !== 0 : fallback;
  }

  /** Sets `key` (removing an earlier value and appending it last, as Genode's `Arg_string::set_arg`). */
  set(key: string, value: string | number | boolean): this {
    if (!IDENTIFIER.test(key)) {
      throw new SessionArgsError(key, 0, `"${key}" is not a valid key`);
    }
    let text: string;
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value) || value < 0)
        throw new SessionArgsError(key, 0, `"${key}" must be a non-negative integer, got ${value}`);
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
    let text = '';
    for (const arg of this.#args) text += text.length === 0 ? `${arg.key}=${arg.text}` : `, ${arg.key}=${arg.text}`;
    return text;
  }
}
