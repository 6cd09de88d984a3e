import { CapType, InitialCaps, ObjectType, Sel4Error, Sel4Kernel, type Tcb } from '@os/kernel-sel4';
import { expect } from 'vitest';

/** The root task's CNode and the depth its CPtrs resolve with. */
export const CNODE = InitialCaps.seL4_CapInitThreadCNode;
export const DEPTH = 64;

/** A booted kernel with helpers in the style of sel4test's `env` (vka allocation, helper threads). */
export function bootEnv() {
  const kernel = new Sel4Kernel();
  const info = kernel.bootstrap();
  const root = info.tcb;
  let next = info.empty.start;
  const freeSlot = (): number => next++;
  const alloc = (type: number, sizeBits = 0, untyped = info.untyped): number => {
    const slot = freeSlot();
    expect(kernel.seL4_Untyped_Retype(root, untyped, type, sizeBits, CNODE, 0, 0, slot, 1)).toBe(
      Sel4Error.seL4_NoError,
    );
    return slot;
  };
  /** A helper thread in the root CSpace, running. */
  const helper = (name: string): { cptr: number; tcb: Tcb } => {
    const cptr = alloc(ObjectType.seL4_TCBObject);
    expect(kernel.seL4_TCB_Configure(root, cptr, 0, CNODE, 0)).toBe(Sel4Error.seL4_NoError);
    expect(kernel.seL4_TCB_Resume(root, cptr)).toBe(Sel4Error.seL4_NoError);
    kernel.seL4_DebugNameThread(root, cptr, name);
    return { cptr, tcb: kernel.threadOf(root, cptr) };
  };
  const isEmpty = (cptr: number): boolean => kernel.seL4_DebugCapIdentify(root, cptr) === CapType.NullCap;
  return { kernel, info, root, freeSlot, alloc, helper, isEmpty };
}

/** Sets MRs 0..length-1 from `seed` upward. */
export function fill(tcb: Tcb, length: number, seed: number): void {
  for (let i = 0; i < length; i++) tcb.ipcBuffer.setMR(i, seed + i);
}

/** MRs 0..length-1 of `tcb`. */
export function mrs(tcb: Tcb, length: number): number[] {
  return Array.from({ length }, (_, i) => tcb.ipcBuffer.getMR(i));
}
