// @os/init does not depend on @os/kernel, so the two functions below are inlined copies of
// `errorCode` and `hasErrorCode` in @os/kernel; keep them the same. Codes exist because a component
// package may bring its own copy of the @os packages, where `instanceof` fails across copies.

/** `errorCode` of @os/kernel: `InitConfigError` gives `ERR_OS_INIT_CONFIG`. */
function errorCode(name: string): string {
  const base = name.length > 'Error'.length && name.endsWith('Error') ? name.slice(0, -'Error'.length) : name;
  const words = base
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_');
  return `ERR_OS_${words.toUpperCase()}`;
}

/** `hasErrorCode` of @os/kernel: whether `error` is an object whose `code` is `code`, whichever copy of a package made it. */
export function hasErrorCode<E extends object = { readonly code: string }>(error: unknown, code: string): error is E {
  return typeof error === 'object' && error !== null && (error as { readonly code?: unknown }).code === code;
}

/** A configuration that cannot work: names where (file and line, or start entry) and the fix. */
export class InitConfigError extends Error {
  /** Stable code of this failure, `ERR_OS_INIT_CONFIG`: compare it, not the class, to recognise an error from another copy of this package. */
  readonly code: string;

  /** The code of this class's errors (`InitConfigError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'InitConfigError';
    this.code = errorCode(new.target.name);
  }
}
