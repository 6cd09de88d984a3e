/**
 * Slots of one leaf of a capability space: past the kernel's base size (`Kernel.capSpaceSize`), a PD's space grows in
 * whole leaves, each paid for by as many capabilities of cap quota. seL4 adds a second-level CNode of 2^12 slots,
 * hw a block of the capability table, NOVA eight pages of the object space (4096 selectors of 8 bytes).
 */
export const CAP_SPACE_LEAF = 4096;

/**
 * The capabilities a PD's space may hold: `capSpaceSize`, the kernel's base that every PD has, or what its cap quota
 * `capLimit` pays for in whole leaves of {@link CAP_SPACE_LEAF} slots, one slot per capability, if that is more. A
 * parent holding a few capabilities per child is thus bounded by the quota it holds, as a Genode PD is, not by a
 * fixed size. Quota transferred in makes room at once; quota transferred out leaves the entries held but takes the
 * room for new ones.
 */
export function capSpaceRoom(capSpaceSize: number, capLimit: number): number {
  const paid = capLimit - (capLimit % CAP_SPACE_LEAF);
  return Math.max(paid, capSpaceSize);
}
