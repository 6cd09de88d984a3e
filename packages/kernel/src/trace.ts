/** The kernel operations a trace reports, by the seam's names. */
export type TraceOperation =
  | 'create-pd'
  | 'destroy-pd'
  | 'create-thread'
  | 'destroy-thread'
  | 'create-object'
  | 'create-signal-context'
  | 'create-dataspace'
  | 'call'
  | 'reply'
  | 'queue'
  | 'abort'
  | 'signal-submit'
  | 'signal-deliver'
  | 'delegate'
  | 'free'
  | 'dissolve'
  | 'transfer-quota'
  | 'attach'
  | 'fault'
  | 'native';

/**
 * One traced kernel operation. `pd` and `thread` name the actor, `selector` the capability it
 * used (in its own space), `target` the peer (a thread or PD label) where there is one.
 */
export interface TraceEvent {
  /** The operation performed. */
  readonly operation: TraceOperation;
  /** Label of the acting PD. */
  readonly pd: string;
  /** Label of the acting thread, if a thread acted. */
  readonly thread?: string | undefined;
  /** The capability selector used, in the actor's space. */
  readonly selector?: number | undefined;
  /** The peer: receiving thread or PD. */
  readonly target?: string | undefined;
  /** Payload size in bytes, for messages. */
  readonly bytes?: number | undefined;
  /** Selectors carried, as translated into the receiver's space. */
  readonly caps?: readonly number[] | undefined;
  /** Backend-specific detail, e.g. the native call a seam operation became. */
  readonly detail?: string | undefined;
}

/** Receives trace events. Installed with `Kernel.setTrace`; costs nothing while none is set. */
export type TraceHook = (event: TraceEvent) => void;
