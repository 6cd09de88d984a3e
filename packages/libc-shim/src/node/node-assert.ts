/**
 * The part of `node:assert` the shim offers: `assert`/`ok`, `equal`, `strictEqual` and their negations, `fail`,
 * `AssertionError` (a class of the program's own, made per call).
 */
export function nodeAssert() {
  /** `assert.AssertionError`. */
  class AssertionError extends Error {
    /** Always `ERR_ASSERTION`. */
    readonly code = 'ERR_ASSERTION';

    constructor(options: { message?: string } | string = {}) {
      super(typeof options === 'string' ? options : (options.message ?? 'assertion failed'));
      this.name = 'AssertionError';
    }
  }
  const fail = (message: unknown, fallback: string): never => {
    if (message instanceof Error) throw message;
    throw new AssertionError(message === undefined ? fallback : String(message));
  };
  const ok = (value: unknown, message?: unknown): void => {
    if (!value) fail(message, `The expression evaluated to a falsy value: ${String(value)}`);
  };
  return Object.assign(ok, {
    ok,
    AssertionError,
    fail: (message?: unknown): never => fail(message, 'Failed'),
    equal: (actual: unknown, expected: unknown, message?: unknown): void =>
      // biome-ignore lint/suspicious/noDoubleEquals: assert.equal is loose equality, as in Node
      actual == expected ? undefined : fail(message, `${String(actual)} == ${String(expected)}`),
    notEqual: (actual: unknown, expected: unknown, message?: unknown): void =>
      // biome-ignore lint/suspicious/noDoubleEquals: assert.notEqual is loose inequality, as in Node
      actual != expected ? undefined : fail(message, `${String(actual)} != ${String(expected)}`),
    strictEqual: (actual: unknown, expected: unknown, message?: unknown): void =>
      Object.is(actual, expected)
        ? undefined
        : fail(message, `Expected values to be strictly equal: ${String(actual)} !== ${String(expected)}`),
    notStrictEqual: (actual: unknown, expected: unknown, message?: unknown): void =>
      !Object.is(actual, expected)
        ? undefined
        : fail(message, `Expected "actual" to be strictly unequal to: ${String(expected)}`),
  });
}
