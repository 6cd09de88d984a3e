/**
 * seL4's error codes (`libsel4/include/sel4/errors.h`): what every invocation returns, by the
 * kernel's own names and numbers.
 */
export const Sel4Error = {
  seL4_NoError: 0,
  seL4_InvalidArgument: 1,
  seL4_InvalidCapability: 2,
  seL4_IllegalOperation: 3,
  seL4_RangeError: 4,
  seL4_AlignmentError: 5,
  seL4_FailedLookup: 6,
  seL4_TruncatedMessage: 7,
  seL4_DeleteFirst: 8,
  seL4_RevokeFirst: 9,
  seL4_NotEnoughMemory: 10,
} as const;

/** One of the {@link (Sel4Error:variable)} codes. */
export type Sel4Error = (typeof Sel4Error)[keyof typeof Sel4Error];

/** The names of {@link (Sel4Error:variable)}, indexed by code, for messages and traces. */
export const SEL4_ERROR_NAMES: readonly string[] = Object.keys(Sel4Error);

/**
 * Why a CPtr failed to resolve (`seL4_LookupFailureType` in `constants.h`); the kernel reports it
 * in message register 1 after `seL4_FailedLookup`, and in a capability fault.
 */
export const LookupFailure = {
  seL4_NoFailure: 0,
  seL4_InvalidRoot: 1,
  seL4_MissingCapability: 2,
  seL4_DepthMismatch: 3,
  seL4_GuardMismatch: 4,
} as const;

/** One of the {@link (LookupFailure:variable)} types. */
export type LookupFailure = (typeof LookupFailure)[keyof typeof LookupFailure];

/** The names of {@link (LookupFailure:variable)}, indexed by type. */
export const LOOKUP_FAILURE_NAMES: readonly string[] = Object.keys(LookupFailure);

/**
 * Object types `Untyped_Retype` creates (`seL4_ObjectType`, non-MCS numbering). `seL4_FrameObject`
 * stands for the architecture's 4 KiB page (`seL4_ARCH_4KPage`); VSpaces are not modelled.
 */
export const ObjectType = {
  seL4_UntypedObject: 0,
  seL4_TCBObject: 1,
  seL4_EndpointObject: 2,
  seL4_NotificationObject: 3,
  seL4_CapTableObject: 4,
  seL4_FrameObject: 5,
} as const;

/** One of the {@link (ObjectType:variable)} values. */
export type ObjectType = (typeof ObjectType)[keyof typeof ObjectType];

/** Object sizes and kernel limits of a 64-bit (aarch64, non-MCS) seL4 build, from libsel4's constants. */
export const Sel4Constants = {
  /** Bits in a machine word (`seL4_WordBits`). */
  seL4_WordBits: 64,
  /** Message registers in one message (`seL4_MsgMaxLength`). */
  seL4_MsgMaxLength: 120,
  /** Capabilities one message carries (`seL4_MsgMaxExtraCaps`). */
  seL4_MsgMaxExtraCaps: 3,
  /** log2 bytes of a capability slot (`seL4_SlotBits`). */
  seL4_SlotBits: 5,
  /** log2 bytes of a TCB (`seL4_TCBBits`). */
  seL4_TCBBits: 11,
  /** log2 bytes of an endpoint (`seL4_EndpointBits`). */
  seL4_EndpointBits: 4,
  /** log2 bytes of a notification (`seL4_NotificationBits`). */
  seL4_NotificationBits: 5,
  /** log2 bytes of a small page (`seL4_PageBits`). */
  seL4_PageBits: 12,
  /** Smallest untyped, log2 bytes (`seL4_MinUntypedBits`). */
  seL4_MinUntypedBits: 4,
  /** Largest untyped, log2 bytes (`seL4_MaxUntypedBits`). */
  seL4_MaxUntypedBits: 47,
  /** Most objects one `Untyped_Retype` creates (`CONFIG_RETYPE_FAN_OUT_LIMIT`, default 256). */
  seL4_UntypedRetypeMaxObjects: 256,
} as const;

/** The root task's initial capabilities (`seL4_RootCNodeCapSlots`) that the model fills. */
export const InitialCaps = {
  seL4_CapNull: 0,
  seL4_CapInitThreadTCB: 1,
  seL4_CapInitThreadCNode: 2,
  /** The first slot after the initial caps: the model puts the boot untyped here. */
  seL4_NumInitialCaps: 16,
} as const;

/** Thread states (`_thread_state` in `structures.h`). */
export const ThreadState = {
  Inactive: 0,
  Running: 1,
  Restart: 2,
  BlockedOnReceive: 3,
  BlockedOnSend: 4,
  BlockedOnReply: 5,
  BlockedOnNotification: 6,
} as const;

/** One of the {@link (ThreadState:variable)} values. */
export type ThreadState = (typeof ThreadState)[keyof typeof ThreadState];

/** The names of {@link (ThreadState:variable)}, indexed by state. */
export const THREAD_STATE_NAMES: readonly string[] = Object.keys(ThreadState).map((name) => `ThreadState_${name}`);

/** Fault labels a fault message carries (`seL4_FaultType`); only capability faults arise in the model. */
export const FaultType = {
  seL4_Fault_NullFault: 0,
  seL4_Fault_CapFault: 1,
} as const;
