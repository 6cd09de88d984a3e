import { INVALID_SELECTOR, type Selector, errorCode } from '@os/kernel';

declare const interfaceType: unique symbol;

/** Thrown when an invalidated capability's selector is used. */
export class InvalidatedCapabilityError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_INVALIDATED_CAPABILITY`: compare it, not the class, to recognise an error from
   * another copy of this package.
   */
  readonly code: string;

  /** The code of this class's errors (`InvalidatedCapabilityError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error naming the selector the capability had. */
  constructor(
    /** The selector the capability had. */
    readonly selector: Selector,
  ) {
    super(`capability ${selector} was invalidated (freed or dissolved by its holder); request a new one`);
    this.name = 'InvalidatedCapabilityError';
    this.code = errorCode(new.target.name);
  }
}

/**
 * A capability to an object of interface `I`, as the holder sees it: a selector into its own
 * capability space and nothing else. Holding one gives no reference to the object, its server or
 * the kernel; only invoking it through the kernel reaches the object.
 */
export class Capability<I = unknown> {
  /** Phantom: the interface this capability is typed with. Never set at run time. */
  declare readonly [interfaceType]?: I;
  #selector: Selector;

  /** Wraps `selector`; 0 (the invalid selector) gives an invalid capability. */
  constructor(selector: Selector) {
    if (!Number.isSafeInteger(selector) || selector < 0) {
      throw new RangeError(`a capability selector is a non-negative integer, got ${selector}`);
    }
    this.#selector = selector;
  }

  /** The invalid capability: what a child starts without, and what a revoked slot reads as. */
  static invalid<I = unknown>(): Capability<I> {
    return new Capability<I>(INVALID_SELECTOR);
  }

  /** The selector in the holder's space; throws once the holder invalidated it. */
  get selector(): Selector {
    if (this.#selector === INVALID_SELECTOR) throw new InvalidatedCapabilityError(INVALID_SELECTOR);
    return this.#selector;
  }

  /** The selector, or 0 when invalid: for putting into a message, where invalid travels as invalid. */
  get rawSelector(): Selector {
    return this.#selector;
  }

  /**
   * Whether the holder still considers it valid. The kernel is the authority: a valid-looking
   * capability whose object was dissolved fails when invoked.
   */
  valid(): boolean {
    return this.#selector !== INVALID_SELECTOR;
  }

  /** Marks it invalid locally, after the holder freed the selector; later use throws. */
  invalidate(): void {
    this.#selector = INVALID_SELECTOR;
  }

  /** Whether both name the same slot of the same holder. */
  equals(other: Capability<unknown>): boolean {
    return this.#selector === other.#selector;
  }

  /** Views this capability as one of another interface: for narrowing after a typed check. */
  cast<J>(): Capability<J> {
    return this as unknown as Capability<J>;
  }

  /** A short form for logs. */
  toString(): string {
    return this.#selector === INVALID_SELECTOR ? 'Capability(invalid)' : `Capability(${this.#selector})`;
  }
}

/** The interface a capability type is typed with. */
export type InterfaceOf<C> = C extends Capability<infer I> ? I : never;
