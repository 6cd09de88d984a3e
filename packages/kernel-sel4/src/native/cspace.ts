import { type Cap, CapType } from './cap.js';
import { LookupFailure, Sel4Constants } from './constants.js';
import type { CNode, Cte } from './objects.js';
import { bitsOf } from './words.js';

/** Why the last lookup failed (`current_lookup_fault`): the kernel's scratch, reused, never allocated per call. */
export class LookupFault {
  /** The failure type. */
  type: LookupFailure = LookupFailure.seL4_NoFailure;
  /** Bits of the CPtr left to resolve when it failed. */
  bitsLeft = 0;
  /** Guard mismatch: the guard found in the CNode cap. Depth mismatch: the bits that level resolves. */
  found = 0;
  /** Guard mismatch: the guard's size in bits. */
  bitsFound = 0;

  /** Records a failure. */
  set(type: LookupFailure, bitsLeft: number, found = 0, bitsFound = 0): void {
    this.type = type;
    this.bitsLeft = bitsLeft;
    this.found = found;
    this.bitsFound = bitsFound;
  }
}

/** What `resolveAddressBits` found: a slot and the bits it left unresolved, or null with the fault set. */
export interface ResolvedSlot {
  /** The slot the CPtr names. */
  slot: Cte | null;
  /** Bits not consumed (non-zero when the walk stopped at a slot holding no CNode cap). */
  bitsRemaining: number;
}

/**
 * Walks `nodeCap`'s CNodes consuming `nBits` bits of `capptr` from the top, guard then radix at each
 * level, as `resolveAddressBits` in `src/kernel/cspace.c` does. Returns false with `fault` set on a
 * lookup failure; on success `out` holds the slot.
 */
export function resolveAddressBits(
  nodeCap: Cap,
  capptr: number,
  nBits: number,
  fault: LookupFault,
  out: ResolvedSlot,
): boolean {
  out.slot = null;
  out.bitsRemaining = nBits;
  if (nodeCap.type !== CapType.CNodeCap) {
    fault.set(LookupFailure.seL4_InvalidRoot, nBits);
    return false;
  }
  let cap = nodeCap;
  let n = nBits;
  for (;;) {
    const cnode = cap.object as CNode;
    const radixBits = cnode.radix;
    const guardBits = cap.guardSize;
    const levelBits = radixBits + guardBits;
    const guardShift = n - guardBits;
    const guard =
      guardBits > n ? -1 : capptr <= 0x7fffffff && guardShift >= 31 ? 0 : bitsOf(capptr, guardShift, guardBits);
    if (guardBits > n || guard !== cap.guard) {
      fault.set(LookupFailure.seL4_GuardMismatch, n, cap.guard, guardBits);
      return false;
    }
    if (levelBits > n) {
      fault.set(LookupFailure.seL4_DepthMismatch, n, levelBits);
      return false;
    }
    const shift = n - levelBits;
    const index =
      capptr <= 0x7fffffff && shift < 31 && radixBits < 31
        ? (capptr >>> shift) & ((1 << radixBits) - 1)
        : bitsOf(capptr, shift, radixBits);
    const slot = cnode.slots[index] ?? cnode.slot(index);
    if (n === levelBits) {
      out.slot = slot;
      out.bitsRemaining = 0;
      return true;
    }
    n -= levelBits;
    const next = slot.cap;
    if (next.type !== CapType.CNodeCap) {
      out.slot = slot;
      out.bitsRemaining = n;
      return true;
    }
    cap = next;
  }
}

/** `lookupSlot`: resolves a CPtr through a thread's CSpace root with all word bits. */
export function lookupSlot(root: Cap, capptr: number, fault: LookupFault, out: ResolvedSlot): boolean {
  return resolveAddressBits(root, capptr, Sel4Constants.seL4_WordBits, fault, out);
}
