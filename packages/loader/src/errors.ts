import { errorCode } from '@os/kernel';

/** Base of the loader's errors: each names the binary and what to change. */
export class LoaderError extends Error {
  /** Stable code, recognised across copies of this package (see `errorCode` in `@os/kernel`). */
  readonly code: string;

  /** Creates the error; its `name` is the class name. */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    this.code = errorCode(new.target.name);
  }

  /** The code of this class's errors. */
  static get code(): string {
    return errorCode(this.name);
  }
}

/** A binary name that resolves to no built-in, module file or package. */
export class BinaryNotFound extends LoaderError {}

/**
 * A module or package that does not look like a component: no `construct`, no libc declaration, or not an ES module.
 */
export class NotAComponent extends LoaderError {}

/** A package's `osComponent` manifest is missing or malformed. */
export class ManifestError extends LoaderError {}

/** A component package was built for an RPC wire version this system does not speak. */
export class WireVersionMismatch extends LoaderError {}

/** Confined code asked for something a compartment does not grant, or uses what confinement cannot run. */
export class ConfinementError extends LoaderError {}
