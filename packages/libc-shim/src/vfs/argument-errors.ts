// Node checks an fs call's arguments before it does anything and throws these synchronously, even
// for the callback API; the VFS does the same, with Node's codes and messages.

/** An argument of the wrong type (a URL or Buffer where the VFS takes a string path): Node's `ERR_INVALID_ARG_TYPE`. */
export class VfsArgumentTypeError extends TypeError {
  /** Node's code for this failure. */
  readonly code = 'ERR_INVALID_ARG_TYPE';

  /** Creates the error for argument `name`, which must be `expected` (`of type string`) but is `value`. */
  constructor(name: string, expected: string, value: unknown) {
    super(`The "${name}" argument must be ${expected}. ${describeReceived(value)}`);
  }
}

/**
 * An argument of the right type but an unusable value (an unknown flag or encoding): Node's `ERR_INVALID_ARG_VALUE`.
 */
export class VfsArgumentValueError extends TypeError {
  /** Node's code for this failure. */
  readonly code = 'ERR_INVALID_ARG_VALUE';

  /** Creates the error for argument `name`, which `is` (`is invalid`, `is invalid encoding`), holding `value`. */
  constructor(name: string, is: string, value: unknown) {
    super(`The argument '${name}' ${is}. Received ${inspect(value)}`);
  }
}

/** A number outside what the call allows (an offset past the buffer's end): Node's `ERR_OUT_OF_RANGE`. */
export class VfsArgumentRangeError extends RangeError {
  /** Node's code for this failure. */
  readonly code = 'ERR_OUT_OF_RANGE';

  /** Creates the error for argument `name`, which `must` (`>= 0 && <= 8`) but is `value`. */
  constructor(name: string, must: string, value: unknown) {
    super(`The value of "${name}" is out of range. It must be ${must}. Received ${inspect(value)}`);
  }
}

/** Whether `error` is one of the argument errors, which the callback API throws instead of passing on. */
export function isArgumentError(
  error: unknown,
): error is VfsArgumentTypeError | VfsArgumentValueError | VfsArgumentRangeError {
  return (
    error instanceof VfsArgumentTypeError ||
    error instanceof VfsArgumentValueError ||
    error instanceof VfsArgumentRangeError
  );
}

function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return `Received ${String(value)}`;
  if (typeof value === 'function') return `Received function ${value.name === '' ? '<anonymous>' : value.name}`;
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `Received an instance of ${name}` : `Received ${inspect(value)}`;
  }
  return `Received type ${typeof value} (${inspect(value)})`;
}

function inspect(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 28 ? `${value.slice(0, 25)}...` : value;
    return `'${shown.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\x00')}'`;
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'object' && value !== null) return '[object]';
  return String(value);
}
