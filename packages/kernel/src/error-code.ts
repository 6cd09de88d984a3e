// A component package may bring its own copy of the @os packages, so an error thrown by one copy
// is no `instanceof` the same-named class of another. Every @os error therefore carries a stable
// string `code`, derived from its class name, and code that decides by the kind of an error
// compares codes instead of classes.

const ERROR_SUFFIX = 'Error';
const codes = new Map<string, string>();

/**
 * The stable code of the error class named `name`: a trailing `Error` dropped, the rest in upper
 * snake case, prefixed with `ERR_OS_` (`QuotaExceededError` gives `ERR_OS_QUOTA_EXCEEDED`,
 * `ServiceDenied` gives `ERR_OS_SERVICE_DENIED`).
 *
 * @remarks
 * Codes exist because a component package may bring its own copy of the `@os` packages: an error
 * made by one copy is no `instanceof` the class of another, but its code is the same. Every `@os`
 * error class sets its instance `code` from this function and offers the same value as a static
 * `code` (`error.code === QuotaExceededError.code`).
 */
export function errorCode(name: string): string {
  let code = codes.get(name);
  if (code === undefined) {
    const base =
      name.length > ERROR_SUFFIX.length && name.endsWith(ERROR_SUFFIX) ? name.slice(0, -ERROR_SUFFIX.length) : name;
    const words = base
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_');
    code = `ERR_OS_${words.toUpperCase()}`;
    codes.set(name, code);
  }
  return code;
}

/**
 * Whether `error` is an object whose `code` property equals `code`: the way to recognise an `@os`
 * error that may come from another copy of its package, where `instanceof` fails.
 *
 * @remarks
 * The type parameter names the class the code belongs to, so the caller can read its fields
 * (`hasErrorCode<QuotaExceededError>(error, QuotaExceededError.code) && error.kind === 'ram'`). The
 * check is by code alone: the fields are there when the error was made by an `@os` class of that
 * name, from any copy.
 */
export function hasErrorCode<E extends object = { readonly code: string }>(error: unknown, code: string): error is E {
  return typeof error === 'object' && error !== null && (error as { readonly code?: unknown }).code === code;
}

/**
 * The base of an `@os` error that needs nothing but a message: its `name` is its class's name and
 * its `code` derives from that (see {@link errorCode}), so a package's error class is one line
 * (`class MyError extends CodedError {}`) and is recognised by code across package copies.
 */
export class CodedError extends Error {
  /**
   * Stable code of this failure (`ERR_OS_…`): compare it, not the class, to recognise an error from another copy of its
   * package.
   */
  readonly code: string;

  /** The code of this class's errors (`MyError.code`); see {@link errorCode}. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error; its `name` is the class name and its `code` derives from it. */
  constructor(message?: string) {
    super(message);
    this.name = new.target.name;
    this.code = errorCode(new.target.name);
  }
}
