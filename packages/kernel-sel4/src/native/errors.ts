import { LOOKUP_FAILURE_NAMES, type LookupFailure } from './constants.js';

/**
 * A capability fault: a CPtr that a blocking system call used did not resolve. seL4 turns it into a
 * fault message (`seL4_Fault_CapFault`) to the thread's fault handler; the model has no fault
 * handlers, so the thread is left inactive (what seL4 does when the fault cannot be delivered) and
 * the call throws this, carrying what the fault message would.
 */
export class Sel4CapFault extends Error {
  /** Creates the fault of thread `thread` on `cptr`. */
  constructor(
    /** Name of the faulting thread. */
    readonly thread: string,
    /** The CPtr that failed (`seL4_CapFault_Addr`). */
    readonly cptr: number,
    /** Whether it failed in the receive phase (`seL4_CapFault_InRecvPhase`). */
    readonly inReceivePhase: boolean,
    /** Why the lookup failed (`seL4_CapFault_LookupFailureType`). */
    readonly lookupFailure: LookupFailure,
    /** Bits of the CPtr left unresolved (`seL4_CapFault_BitsLeft`). */
    readonly bitsLeft: number,
  ) {
    super(
      `seL4_Fault_CapFault: thread "${thread}" used CPtr ${cptr} ` +
        (`(${LOOKUP_FAILURE_NAMES[lookupFailure] ?? lookupFailure}, ${bitsLeft} bits ` +
          `left${inReceivePhase ? ', receive phase' : ''}); with no fault handler the thread is now inactive`),
    );
    this.name = 'Sel4CapFault';
  }
}
