import { formatBytes } from './bytes.js';
import { CodedError } from './error-code.js';

/**
 * Every error the kernel seam raises. Catch this to handle any kernel refusal; each subclass
 * names one failure a caller can act on, and carries its code (`QuotaExceededError.code` is
 * `ERR_OS_QUOTA_EXCEEDED`).
 */
export class KernelError extends CodedError {}

/**
 * An argument outside what the operation takes: a dataspace size, signal count, timeout, imprint or
 * quota amount that is negative, fractional, not a number or too large. A component can cause it,
 * so it is a kernel error with a code like every other refusal (it was a plain `RangeError`).
 */
export class InvalidArgumentError extends KernelError {}

/**
 * The selector does not name a live capability in the caller's space: never handed to this PD,
 * freed, or its object was dissolved.
 */
export class InvalidCapabilityError extends KernelError {
  /** Creates the error for `selector`, used by `operation` in PD `pd`. */
  constructor(
    /** The selector that failed. */
    readonly selector: number,
    /** The kernel call that used it, e.g. `rpc_call` or `cap_delete`. */
    readonly operation: string,
    /** Label of the PD whose capability space was searched. */
    readonly pd: string,
  ) {
    super(
      `${operation}: selector ${selector} names no valid capability in PD "${pd}" (never delegated to it, freed, or ` +
        `its object was dissolved)`,
    );
  }
}

/** The capability is valid but names an object of the wrong kind for the operation. */
export class WrongObjectKindError extends KernelError {
  /** Creates the error: `operation` wanted `expected` but `selector` names `actual`. */
  constructor(
    /** The selector that failed. */
    readonly selector: number,
    /** The kernel call that used it. */
    readonly operation: string,
    /** The kind of object the operation needs. */
    readonly expected: string,
    /** The kind of object the selector names. */
    readonly actual: string,
  ) {
    super(`${operation}: selector ${selector} names a ${actual}, not a ${expected}`);
  }
}

/** The message does not fit the IPC buffer. */
export class MessageTooLargeError extends KernelError {
  /** Creates the error for a message of `size` bytes against a buffer of `limit`. */
  constructor(
    /** Length of the message, in bytes. */
    readonly size: number,
    /** Size of the IPC buffer (the UTCB), in bytes. */
    readonly limit: number,
  ) {
    super(`message of ${size} bytes exceeds the IPC buffer of ${limit} bytes; pass bulk data in a dataspace`);
  }
}

/** More capabilities were put into one message than the kernel carries. */
export class TooManyCapabilitiesError extends KernelError {
  /** Creates the error for `count` caps against a limit of `limit`. */
  constructor(
    /** Capabilities the message carries. */
    readonly count: number,
    /** Most capabilities one message can carry. */
    readonly limit: number,
  ) {
    super(`message carries ${count} capabilities; at most ${limit} fit in one message`);
  }
}

/** A call would wait forever: into the caller's own entrypoint, or around a cycle of entrypoints. */
export class DeadlockError extends KernelError {
  /** Creates the error; `cycle` lists thread labels, starting and ending with the caller. */
  constructor(
    /** Labels of the threads in the cycle, starting and ending with the caller. */
    readonly cycle: readonly string[],
  ) {
    super(
      cycle.length === 2
        ? `deadlock: "${cycle[0]}" calls an object served by its own entrypoint; serve it from another entrypoint`
        : `deadlock: call cycle ${cycle.map((label) => `"${label}"`).join(' -> ')}; every entrypoint in ` +
            `it waits on the next`,
    );
  }
}

/** The server went away (its object was dissolved, its thread or PD destroyed) before replying. */
export class CallAbortedError extends KernelError {
  /** Creates the error naming the server thread and why the call ended. */
  constructor(
    /** Label of the server thread the call went to. */
    readonly server: string,
    /** Why the call ended, e.g. `its thread was destroyed`. */
    readonly reason: string,
  ) {
    super(`call to "${server}" aborted: ${reason}`);
  }
}

/** The server's handler threw inside the kernel dispatch instead of replying. */
export class ServerFaultError extends KernelError {
  /** Creates the error naming the server thread and the fault. */
  constructor(
    /** Label of the server thread whose handler threw. */
    readonly server: string,
    /** What the handler threw, as text. */
    readonly fault: string,
  ) {
    super(`server "${server}" faulted while handling the call: ${fault}`);
  }
}

/** Which quota ran out. */
export type QuotaKind = 'ram' | 'caps';

/** An allocation or transfer would overdraw a PD's RAM or capability quota. */
export class QuotaExceededError extends KernelError {
  /** Creates the error: PD `pd` needed `needed` of `kind` but had `available` left. */
  constructor(
    /** Label of the PD whose quota ran out. */
    readonly pd: string,
    /** Which quota ran out. */
    readonly kind: QuotaKind,
    /** Amount the allocation or transfer needed: bytes of RAM or capability slots. */
    readonly needed: number,
    /** Amount of that quota the PD had left. */
    readonly available: number,
  ) {
    super(
      kind === 'ram'
        ? `PD "${pd}" is out of RAM quota: needs ${formatBytes(needed)}, has ${formatBytes(available)} left; ` +
            'upgrade its quota'
        : `PD "${pd}" is out of capability quota: needs ${needed}, has ${available} left; upgrade its quota`,
    );
  }
}

/** The receiver's capability space has no free slot for a capability being delegated to it. */
export class CapSpaceExhaustedError extends KernelError {
  /** Creates the error for PD `pd` whose space holds `size` slots. */
  constructor(
    /** Label of the PD whose capability space is full. */
    readonly pd: string,
    /** Slots in its capability space. */
    readonly size: number,
  ) {
    super(
      `capability space of PD "${pd}" is full (${size} slots); free capabilities it no longer needs, or give it ` +
        'more cap quota (a space holds as many capabilities as its quota pays for)',
    );
  }
}

/** The operation needs the object's owner (the PD that created it). */
export class NotOwnerError extends KernelError {
  /** Creates the error: `operation` on `selector` tried from a PD that does not own it. */
  constructor(
    /** The selector naming the object. */
    readonly selector: number,
    /** The operation only the owner may do, e.g. `delete_obj`. */
    readonly operation: string,
    /** Label of the PD that tried it. */
    readonly pd: string,
  ) {
    super(`${operation}: PD "${pd}" does not own the object behind selector ${selector}; only its creator may do this`);
  }
}

/** A thread or PD handle was used after it was destroyed. */
export class DestroyedError extends KernelError {
  /** Creates the error naming what was destroyed. */
  constructor(
    /** What was destroyed, e.g. `thread "worker"`. */
    readonly what: string,
  ) {
    super(`${what} was destroyed and can no longer be used`);
  }
}

/**
 * A thread was asked to do something its state forbids: call while it has a call outstanding, reply without a
 * caller, serve twice.
 */
export class ThreadStateError extends KernelError {
  /**
   * The refusal of a call from thread `thread` while it has a call outstanding. A thread blocks in its call until the
   * reply, as on every microkernel (an seL4 TCB sits in `seL4_Call`); two asynchronous activities of one component
   * that call at once must take turns, or call from threads of their own.
   */
  static callOutstanding(thread: string): ThreadStateError {
    return new ThreadStateError(
      `thread "${thread}" cannot call: it has a call outstanding and blocks until that call's reply; serialise the ` +
        'calls (await each reply before the next call) or make the other call from another thread',
    );
  }
}
