import { errorCode, hasErrorCode } from '../error-code.js';

/** A conformance expectation that did not hold. */
export class ConformanceFailure extends Error {
  /** Stable code of this failure, `ERR_OS_CONFORMANCE_FAILURE`; see {@link errorCode}. */
  readonly code: string;

  /** The code of this class's errors; see {@link errorCode}. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the failure describing what did not hold. */
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceFailure';
    this.code = errorCode(new.target.name);
  }
}

/** Fails unless `condition` holds. */
export function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new ConformanceFailure(what);
}

/** Fails unless `actual` and `expected` are identical (`Object.is`). */
export function equal<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected))
    throw new ConformanceFailure(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Fails unless the arrays hold identical elements. */
export function equalList<T>(actual: readonly T[], expected: readonly T[], what: string): void {
  if (actual.length !== expected.length || actual.some((value, i) => !Object.is(value, expected[i]))) {
    throw new ConformanceFailure(`${what}: expected [${expected.join(', ')}], got [${actual.join(', ')}]`);
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Whether `error` is an `expected`, or an error of that name from another copy of its package (same code). */
function isExpected<E extends ErrorClass>(error: unknown, expected: E): error is InstanceType<E> {
  return error instanceof expected || hasErrorCode(error, errorCode(expected.name));
}

/** Fails unless `action` throws an instance of `expected` (or an error with its code); returns the error. */
export function throws<E extends ErrorClass>(action: () => unknown, expected: E, what: string): InstanceType<E> {
  try {
    const result = action();
    if (result instanceof Promise) result.catch(() => undefined);
  } catch (error) {
    if (isExpected(error, expected)) return error;
    throw new ConformanceFailure(
      `${what}: expected ${expected.name}, ` +
        `got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
  throw new ConformanceFailure(`${what}: expected ${expected.name}, nothing was thrown`);
}

/**
 * Fails unless `action` throws or rejects with an instance of `expected` (or an error with its code); returns the
 * error.
 */
export async function rejects<E extends ErrorClass>(
  action: () => unknown,
  expected: E,
  what: string,
): Promise<InstanceType<E>> {
  try {
    await action();
  } catch (error) {
    if (isExpected(error, expected)) return error;
    throw new ConformanceFailure(
      `${what}: expected ${expected.name}, ` +
        `got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
  throw new ConformanceFailure(`${what}: expected ${expected.name}, the call succeeded`);
}
