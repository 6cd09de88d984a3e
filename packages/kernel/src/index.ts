export {
  Message,
  MessageSlab,
  type MessageClass,
  MAX_CAPS_PER_MESSAGE,
  INVALID_SELECTOR,
  messageAccess,
  type MessageAccess,
} from './message.js';
export { entryOutcome, followEntry, describeFault } from './entry-result.js';
export {
  KernelError,
  InvalidArgumentError,
  InvalidCapabilityError,
  WrongObjectKindError,
  MessageTooLargeError,
  TooManyCapabilitiesError,
  DeadlockError,
  CallAbortedError,
  ServerFaultError,
  QuotaExceededError,
  CapSpaceExhaustedError,
  NotOwnerError,
  DestroyedError,
  ThreadStateError,
  type QuotaKind,
} from './errors.js';
export { errorCode, hasErrorCode, CodedError } from './error-code.js';
export type {
  Selector,
  PdId,
  QuotaAmount,
  QuotaState,
  CapSpaceEntry,
  ObjectKind,
  EntrypointHandler,
  KernelThread,
  Kernel,
  KernelFactory,
  KernelOptions,
} from './kernel.js';
export type { TraceEvent, TraceHook, TraceOperation } from './trace.js';
export { CAP_SPACE_LEAF, capSpaceRoom } from './cap-space.js';
export { releaseMemory } from './memory.js';
export { PAGE_SIZE, pageRound } from './pages.js';
export { formatBytes } from './bytes.js';
export {
  defineConformanceSuite,
  conformanceCases,
  type ConformanceCase,
  type TestRegistrar,
} from './conformance/suite.js';
export { ConformanceFailure } from './conformance/assert.js';
export type { Clock, ClockTimer } from './clock.js';
export { VirtualClock, seededRandom } from './virtual-clock.js';
export { findWaitCycle, type WaitingThread } from './wait-cycle.js';
export { hardenShared } from './harden-shared.js';
