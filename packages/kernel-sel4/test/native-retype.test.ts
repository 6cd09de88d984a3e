import { ObjectType, Sel4Constants, Sel4Error } from '@os/kernel-sel4';
import { describe, expect, it } from 'vitest';
import { CNODE, DEPTH, bootEnv } from './fixture.js';

const {
  seL4_NoError,
  seL4_RangeError,
  seL4_DeleteFirst,
  seL4_NotEnoughMemory,
  seL4_InvalidArgument,
  seL4_RevokeFirst,
  seL4_FailedLookup,
} = Sel4Error;
const TCB = ObjectType.seL4_TCBObject;

describe('Untyped_Retype (after sel4test inc_untyped.c)', () => {
  it('RETYPE0000: checks the object count and destination window, and refuses occupied slots', () => {
    const { kernel, root, alloc } = bootEnv();
    const cnode = alloc(ObjectType.seL4_CapTableObject, 2);
    const untyped = alloc(ObjectType.seL4_UntypedObject, Sel4Constants.seL4_TCBBits + 3);
    const retype = (offset: number, count: number) =>
      kernel.seL4_Untyped_Retype(root, untyped, TCB, 0, CNODE, cnode, DEPTH, offset, count);
    expect(retype(1, 0)).toBe(seL4_RangeError);
    expect([root.ipcBuffer.getMR(0), root.ipcBuffer.getMR(1)]).toEqual([1, 256]);
    expect(retype(3, 2)).toBe(seL4_RangeError);
    for (let i = 0; i < 4; i++) expect(retype(i, 1)).toBe(seL4_NoError);
    expect(retype(4, 2)).toBe(seL4_RangeError);
    for (let i = 0; i < 4; i++) expect(retype(i, 1)).toBe(seL4_DeleteFirst);
    for (let i = 0; i < 4; i++) expect(kernel.seL4_CNode_Delete(root, cnode, i, 2)).toBe(seL4_NoError);
    expect(retype(0, 2 ** 31)).toBe(seL4_RangeError);
    expect(retype(0, 5)).toBe(seL4_RangeError);
    expect(retype(0, 3)).toBe(seL4_NoError);
    for (let i = 0; i < 4; i++) expect(retype(i, 1)).toBe(i === 3 ? seL4_NoError : seL4_DeleteFirst);
  });

  it('RETYPE0001: nothing larger than the untyped fits; an object of exactly its size does', () => {
    const { kernel, root, alloc, freeSlot } = bootEnv();
    const sizeBits = 13;
    const untyped = alloc(ObjectType.seL4_UntypedObject, sizeBits);
    for (let i = 40; i > 0; i--) {
      expect(
        kernel.seL4_Untyped_Retype(
          root,
          untyped,
          ObjectType.seL4_CapTableObject,
          sizeBits - Sel4Constants.seL4_SlotBits + i,
          CNODE,
          0,
          0,
          freeSlot(),
          1,
        ),
      ).not.toBe(seL4_NoError);
    }
    expect(
      kernel.seL4_Untyped_Retype(
        root,
        untyped,
        ObjectType.seL4_CapTableObject,
        sizeBits - Sel4Constants.seL4_SlotBits,
        CNODE,
        0,
        0,
        freeSlot(),
        1,
      ),
    ).toBe(seL4_NoError);
  });

  it('RETYPE0002: sixteen pages fill a 64 KiB untyped; the watermark then reports NotEnoughMemory', () => {
    const { kernel, root, alloc, freeSlot } = bootEnv();
    const slots = Array.from({ length: 17 }, () => freeSlot());
    const untyped = alloc(ObjectType.seL4_UntypedObject, 16);
    const retype = (slot: number, count: number) =>
      kernel.seL4_Untyped_Retype(root, untyped, ObjectType.seL4_FrameObject, 0, CNODE, 0, 0, slot, count);
    for (let i = 0; i < 16; i++) expect(retype(slots[i]!, 1)).toBe(seL4_NoError);
    expect(retype(slots[16]!, 1024 * 1024)).toBe(seL4_RangeError);
    expect(retype(slots[0]!, 8)).toBe(seL4_DeleteFirst);
    expect(retype(slots[16]!, 1)).toBe(seL4_NotEnoughMemory);
    expect(root.ipcBuffer.getMR(0)).toBe(0);
  });

  it(
    'the watermark resets only once every child is gone: deleting some frames frees nothing, revoking the untyped ' +
      'frees all',
    () => {
      const { kernel, root, alloc, freeSlot } = bootEnv();
      const untyped = alloc(ObjectType.seL4_UntypedObject, 14);
      const first = freeSlot();
      freeSlot();
      freeSlot();
      freeSlot();
      expect(kernel.seL4_Untyped_Retype(root, untyped, ObjectType.seL4_FrameObject, 0, CNODE, 0, 0, first, 4)).toBe(
        seL4_NoError,
      );
      expect(kernel.seL4_CNode_Delete(root, CNODE, first, DEPTH)).toBe(seL4_NoError);
      expect(kernel.seL4_Untyped_Retype(root, untyped, ObjectType.seL4_FrameObject, 0, CNODE, 0, 0, first, 1)).toBe(
        seL4_NotEnoughMemory,
      );
      const copy = freeSlot();
      expect(kernel.seL4_CNode_Copy(root, CNODE, copy, DEPTH, CNODE, untyped, DEPTH, 15)).toBe(seL4_RevokeFirst);
      expect(kernel.seL4_CNode_Revoke(root, CNODE, untyped, DEPTH)).toBe(seL4_NoError);
      expect(kernel.seL4_Untyped_Retype(root, untyped, ObjectType.seL4_FrameObject, 0, CNODE, 0, 0, first, 4)).toBe(
        seL4_NoError,
      );
    },
  );

  it('refuses bad types and sizes with the argument number, and a destination that is no CNode', () => {
    const { kernel, root, alloc, freeSlot } = bootEnv();
    const untyped = alloc(ObjectType.seL4_UntypedObject, 16);
    expect(kernel.seL4_Untyped_Retype(root, untyped, 99, 0, CNODE, 0, 0, freeSlot(), 1)).toBe(seL4_InvalidArgument);
    expect(root.ipcBuffer.getMR(0)).toBe(0);
    expect(
      kernel.seL4_Untyped_Retype(root, untyped, ObjectType.seL4_CapTableObject, 0, CNODE, 0, 0, freeSlot(), 1),
    ).toBe(seL4_InvalidArgument);
    expect(root.ipcBuffer.getMR(0)).toBe(1);
    expect(
      kernel.seL4_Untyped_Retype(root, untyped, ObjectType.seL4_UntypedObject, 3, CNODE, 0, 0, freeSlot(), 1),
    ).toBe(seL4_InvalidArgument);
    expect(
      kernel.seL4_Untyped_Retype(root, untyped, ObjectType.seL4_UntypedObject, 48, CNODE, 0, 0, freeSlot(), 1),
    ).toBe(seL4_RangeError);
    expect([root.ipcBuffer.getMR(0), root.ipcBuffer.getMR(1)]).toEqual([0, 47]);
    const tcb = alloc(TCB);
    expect(kernel.seL4_Untyped_Retype(root, untyped, TCB, 0, CNODE, tcb, DEPTH, 0, 1)).toBe(seL4_FailedLookup);
  });
});
