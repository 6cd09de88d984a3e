import { CapType, LookupFailure, ObjectType, Rights, Sel4Error, seL4_CNode_CapData_new } from '@os/kernel-sel4';
import { describe, expect, it } from 'vitest';
import { CNODE, DEPTH, bootEnv } from './fixture.js';

const { seL4_NoError, seL4_DeleteFirst, seL4_FailedLookup, seL4_IllegalOperation, seL4_RangeError } = Sel4Error;

describe('CNode invocations (after sel4test cnodeops.c)', () => {
  it('CNODEOP0001: CNode_Copy copies into an empty slot and refuses occupied destinations and empty sources', () => {
    const { kernel, root, alloc, freeSlot, isEmpty } = bootEnv();
    const src = alloc(ObjectType.seL4_TCBObject);
    const dest = freeSlot();
    expect(kernel.seL4_CNode_Copy(root, CNODE, dest, DEPTH, CNODE, src, DEPTH, Rights.seL4_AllRights)).toBe(
      seL4_NoError,
    );
    expect(kernel.capAt(root, dest).object).toBe(kernel.capAt(root, src).object);
    const occupied = alloc(ObjectType.seL4_TCBObject);
    expect(kernel.seL4_CNode_Copy(root, CNODE, occupied, DEPTH, CNODE, src, DEPTH, Rights.seL4_AllRights)).toBe(
      seL4_DeleteFirst,
    );
    const free = freeSlot();
    expect(kernel.seL4_CNode_Copy(root, CNODE, occupied, DEPTH, CNODE, free, DEPTH, Rights.seL4_AllRights)).toBe(
      seL4_DeleteFirst,
    );
    const dest2 = freeSlot();
    expect(kernel.seL4_CNode_Copy(root, CNODE, dest2, DEPTH, CNODE, free, DEPTH, Rights.seL4_AllRights)).toBe(
      seL4_FailedLookup,
    );
    expect(root.ipcBuffer.getMR(0)).toBe(1); // the source failed
    expect(root.ipcBuffer.getMR(1)).toBe(LookupFailure.seL4_MissingCapability);
    expect(isEmpty(dest2)).toBe(true);
  });

  it('CNODEOP0002: CNode_Delete empties a slot, and deleting an empty slot succeeds', () => {
    const { kernel, root, alloc, freeSlot, isEmpty } = bootEnv();
    const slot = alloc(ObjectType.seL4_TCBObject);
    expect(kernel.seL4_CNode_Delete(root, CNODE, slot, DEPTH)).toBe(seL4_NoError);
    expect(isEmpty(slot)).toBe(true);
    const free = freeSlot();
    expect(kernel.seL4_CNode_Delete(root, CNODE, free, DEPTH)).toBe(seL4_NoError);
    expect(isEmpty(free)).toBe(true);
  });

  it('CNODEOP0003: CNode_Mint copies with a badge, which is set once only', () => {
    const { kernel, root, alloc, freeSlot } = bootEnv();
    const src = alloc(ObjectType.seL4_TCBObject);
    const dest = freeSlot();
    expect(kernel.seL4_CNode_Mint(root, CNODE, dest, DEPTH, CNODE, src, DEPTH, Rights.seL4_AllRights, 0)).toBe(
      seL4_NoError,
    );
    expect(kernel.capAt(root, dest).object).toBe(kernel.capAt(root, src).object);
    const occupied = alloc(ObjectType.seL4_TCBObject);
    expect(kernel.seL4_CNode_Mint(root, CNODE, occupied, DEPTH, CNODE, src, DEPTH, Rights.seL4_AllRights, 0)).toBe(
      seL4_DeleteFirst,
    );
    expect(
      kernel.seL4_CNode_Mint(root, CNODE, freeSlot(), DEPTH, CNODE, freeSlot(), DEPTH, Rights.seL4_AllRights, 0),
    ).toBe(seL4_FailedLookup);
    const ep = alloc(ObjectType.seL4_EndpointObject);
    const badged = freeSlot();
    expect(kernel.seL4_CNode_Mint(root, CNODE, badged, DEPTH, CNODE, ep, DEPTH, Rights.seL4_AllRights, 42)).toBe(
      seL4_NoError,
    );
    expect(kernel.capAt(root, badged).badge).toBe(42);
    expect(
      kernel.seL4_CNode_Mint(root, CNODE, freeSlot(), DEPTH, CNODE, badged, DEPTH, Rights.seL4_AllRights, 43),
    ).toBe(seL4_IllegalOperation);
    const copy = freeSlot();
    expect(kernel.seL4_CNode_Copy(root, CNODE, copy, DEPTH, CNODE, badged, DEPTH, Rights.seL4_CanWrite)).toBe(
      seL4_NoError,
    );
    expect(kernel.capAt(root, copy).badge).toBe(42);
    expect(kernel.capAt(root, copy).rights).toBe(Rights.seL4_CanWrite);
  });

  it('CNODEOP0004: CNode_Move moves a cap and refuses empty sources and occupied destinations', () => {
    const { kernel, root, alloc, freeSlot, isEmpty } = bootEnv();
    const src = alloc(ObjectType.seL4_TCBObject);
    const dest = freeSlot();
    expect(kernel.seL4_CNode_Move(root, CNODE, dest, DEPTH, CNODE, src, DEPTH)).toBe(seL4_NoError);
    expect(isEmpty(src)).toBe(true);
    expect(isEmpty(dest)).toBe(false);
    const free = freeSlot();
    const dest2 = freeSlot();
    expect(kernel.seL4_CNode_Move(root, CNODE, dest2, DEPTH, CNODE, free, DEPTH)).toBe(seL4_FailedLookup);
    expect(isEmpty(dest2)).toBe(true);
    const a = alloc(ObjectType.seL4_TCBObject);
    const b = alloc(ObjectType.seL4_TCBObject);
    expect(kernel.seL4_CNode_Move(root, CNODE, b, DEPTH, CNODE, a, DEPTH)).toBe(seL4_DeleteFirst);
    expect(isEmpty(a) || isEmpty(b)).toBe(false);
  });

  it('CNODEOP0005: CNode_Mutate moves a cap changing its data; a badged cap cannot be mutated', () => {
    const { kernel, root, alloc, freeSlot, isEmpty } = bootEnv();
    const src = alloc(ObjectType.seL4_TCBObject);
    const dest = freeSlot();
    expect(kernel.seL4_CNode_Mutate(root, CNODE, dest, DEPTH, CNODE, src, DEPTH, 0)).toBe(seL4_NoError);
    expect(isEmpty(src)).toBe(true);
    expect(isEmpty(dest)).toBe(false);
    const a = alloc(ObjectType.seL4_TCBObject);
    const b = alloc(ObjectType.seL4_TCBObject);
    expect(kernel.seL4_CNode_Mutate(root, CNODE, b, DEPTH, CNODE, a, DEPTH, 0)).toBe(seL4_DeleteFirst);
    const free = freeSlot();
    expect(kernel.seL4_CNode_Mutate(root, CNODE, freeSlot(), DEPTH, CNODE, free, DEPTH, 0)).toBe(seL4_FailedLookup);
    const ep = alloc(ObjectType.seL4_EndpointObject);
    expect(kernel.seL4_CNode_Mutate(root, CNODE, freeSlot(), DEPTH, CNODE, ep, DEPTH, 5)).toBe(seL4_IllegalOperation);
    const cnode = alloc(ObjectType.seL4_CapTableObject, 4);
    const guarded = freeSlot();
    expect(
      kernel.seL4_CNode_Mutate(root, CNODE, guarded, DEPTH, CNODE, cnode, DEPTH, seL4_CNode_CapData_new(5, 3)),
    ).toBe(seL4_NoError);
    expect([kernel.capAt(root, guarded).guard, kernel.capAt(root, guarded).guardSize]).toEqual([5, 3]);
  });

  it('CNODEOP0006: CNode_CancelBadgedSends works on a full-rights endpoint cap, not on an empty slot', () => {
    const { kernel, root, alloc, freeSlot, isEmpty } = bootEnv();
    const ep = alloc(ObjectType.seL4_EndpointObject);
    expect(kernel.seL4_CNode_CancelBadgedSends(root, CNODE, ep, DEPTH)).toBe(seL4_NoError);
    expect(isEmpty(ep)).toBe(false);
    const free = freeSlot();
    expect(kernel.seL4_CNode_CancelBadgedSends(root, CNODE, free, DEPTH)).toBe(seL4_IllegalOperation);
    const readOnly = freeSlot();
    kernel.seL4_CNode_Copy(root, CNODE, readOnly, DEPTH, CNODE, ep, DEPTH, Rights.seL4_CanRead);
    expect(kernel.seL4_CNode_CancelBadgedSends(root, CNODE, readOnly, DEPTH)).toBe(seL4_IllegalOperation);
  });

  it('CNODEOP0007: CNode_Revoke keeps the cap itself, and revoking an empty slot succeeds', () => {
    const { kernel, root, alloc, freeSlot, isEmpty } = bootEnv();
    const slot = alloc(ObjectType.seL4_TCBObject);
    expect(kernel.seL4_CNode_Revoke(root, CNODE, slot, DEPTH)).toBe(seL4_NoError);
    expect(isEmpty(slot)).toBe(false);
    const free = freeSlot();
    expect(kernel.seL4_CNode_Revoke(root, CNODE, free, DEPTH)).toBe(seL4_NoError);
    expect(isEmpty(free)).toBe(true);
  });

  it(
    'CNODEOP0007: revoke follows the derivation tree: an original takes every badged child and copy, a badged cap ' +
      'only its copies',
    () => {
      const { kernel, root, alloc, freeSlot, isEmpty } = bootEnv();
      const ep = alloc(ObjectType.seL4_EndpointObject);
      const other = alloc(ObjectType.seL4_CapTableObject, 3);
      const plainCopy = freeSlot();
      kernel.seL4_CNode_Copy(root, CNODE, plainCopy, DEPTH, CNODE, ep, DEPTH, Rights.seL4_AllRights);
      const [badgeA, badgeB] = [freeSlot(), freeSlot()];
      kernel.seL4_CNode_Mint(root, CNODE, badgeA, DEPTH, CNODE, ep, DEPTH, Rights.seL4_AllRights, 1);
      kernel.seL4_CNode_Mint(root, CNODE, badgeB, DEPTH, CNODE, plainCopy, DEPTH, Rights.seL4_AllRights, 2);
      // copies of badge A, one in another CNode
      expect(kernel.seL4_CNode_Copy(root, other, 0, 3, CNODE, badgeA, DEPTH, Rights.seL4_AllRights)).toBe(seL4_NoError);
      const copyA = freeSlot();
      kernel.seL4_CNode_Copy(root, CNODE, copyA, DEPTH, CNODE, badgeA, DEPTH, Rights.seL4_AllRights);
      // revoking badge A removes its copies only
      expect(kernel.seL4_CNode_Revoke(root, CNODE, badgeA, DEPTH)).toBe(seL4_NoError);
      expect(isEmpty(copyA)).toBe(true);
      expect(kernel.capAt(root, badgeA).badge).toBe(1);
      expect(isEmpty(badgeB)).toBe(false);
      kernel.seL4_CNode_Copy(root, other, 1, 3, CNODE, badgeB, DEPTH, Rights.seL4_AllRights);
      // revoking the original removes everything derived from it, wherever it is
      expect(kernel.seL4_CNode_Revoke(root, CNODE, ep, DEPTH)).toBe(seL4_NoError);
      for (const slot of [plainCopy, badgeA, badgeB]) expect(isEmpty(slot)).toBe(true);
      expect(kernel.seL4_CNode_Move(root, CNODE, freeSlot(), DEPTH, other, 1, 3)).toBe(seL4_FailedLookup);
      expect(isEmpty(ep)).toBe(false);
    },
  );

  it(
    'CNODEOP0008: CNode_Rotate moves pivot to dest and source to pivot, swaps when source is dest, and checks its ' +
      'slots',
    () => {
      const { kernel, root, alloc, freeSlot, isEmpty } = bootEnv();
      const rotate = (src: number, pivot: number, dest: number) =>
        kernel.seL4_CNode_Rotate(root, CNODE, dest, DEPTH, 0, CNODE, pivot, DEPTH, 0, CNODE, src, DEPTH);
      let src = alloc(ObjectType.seL4_TCBObject);
      let pivot = alloc(ObjectType.seL4_TCBObject);
      let dest = freeSlot();
      const [srcObject, pivotObject] = [kernel.capAt(root, src).object, kernel.capAt(root, pivot).object];
      expect(rotate(src, pivot, dest)).toBe(seL4_NoError);
      expect(isEmpty(src)).toBe(true);
      expect(kernel.capAt(root, pivot).object).toBe(srcObject);
      expect(kernel.capAt(root, dest).object).toBe(pivotObject);
      [src, pivot, dest] = [
        alloc(ObjectType.seL4_TCBObject),
        alloc(ObjectType.seL4_TCBObject),
        alloc(ObjectType.seL4_TCBObject),
      ];
      expect(rotate(src, pivot, dest)).toBe(seL4_DeleteFirst);
      expect([isEmpty(src), isEmpty(pivot), isEmpty(dest)]).toEqual([false, false, false]);
      [src, pivot] = [alloc(ObjectType.seL4_TCBObject), alloc(ObjectType.seL4_TCBObject)];
      const [a, b] = [kernel.capAt(root, src).object, kernel.capAt(root, pivot).object];
      expect(rotate(src, pivot, src)).toBe(seL4_NoError);
      expect([kernel.capAt(root, src).object, kernel.capAt(root, pivot).object]).toEqual([b, a]);
      src = alloc(ObjectType.seL4_TCBObject);
      dest = freeSlot();
      expect(rotate(src, src, dest)).toBe(seL4_IllegalOperation);
      expect([isEmpty(src), isEmpty(dest)]).toEqual([false, true]);
      [src, pivot, dest] = [freeSlot(), freeSlot(), freeSlot()];
      expect(rotate(src, pivot, dest)).toBe(seL4_FailedLookup);
      expect([isEmpty(src), isEmpty(pivot), isEmpty(dest)]).toEqual([true, true, true]);
    },
  );

  it(
    'lookups report InvalidRoot, DepthMismatch, GuardMismatch and a depth out of range exactly as ' +
      'lookupSlotForCNodeOp does',
    () => {
      const { kernel, root, alloc, freeSlot } = bootEnv();
      const tcb = alloc(ObjectType.seL4_TCBObject);
      const buffer = root.ipcBuffer;
      // the source root is no CNode
      expect(kernel.seL4_CNode_Copy(root, CNODE, freeSlot(), DEPTH, tcb, 0, DEPTH, Rights.seL4_AllRights)).toBe(
        seL4_FailedLookup,
      );
      expect([buffer.getMR(0), buffer.getMR(1)]).toEqual([1, LookupFailure.seL4_InvalidRoot]);
      // 12 bits do not reach the root CNode's slots (its guard alone is 52 bits): guard mismatch
      expect(kernel.seL4_CNode_Delete(root, CNODE, 5, 12)).toBe(seL4_FailedLookup);
      expect([buffer.getMR(0), buffer.getMR(1), buffer.getMR(2)]).toEqual([0, LookupFailure.seL4_GuardMismatch, 12]);
      // 60 bits pass the guard but cannot cover guard plus radix (64): depth mismatch at the root
      expect(kernel.seL4_CNode_Delete(root, CNODE, 0, 60)).toBe(seL4_FailedLookup);
      expect([buffer.getMR(1), buffer.getMR(2), buffer.getMR(3)]).toEqual([LookupFailure.seL4_DepthMismatch, 60, 64]);
      // a walk that ends at a slot holding no CNode with bits left over: depth mismatch for the CNode operation
      const small = alloc(ObjectType.seL4_CapTableObject, 2);
      expect(kernel.seL4_CNode_Copy(root, small, 1, 2, CNODE, tcb, DEPTH, Rights.seL4_AllRights)).toBe(seL4_NoError);
      expect(kernel.seL4_CNode_Delete(root, small, 0b0100, 4)).toBe(seL4_FailedLookup);
      expect([buffer.getMR(1), buffer.getMR(2)]).toEqual([LookupFailure.seL4_DepthMismatch, 2]);
      expect(kernel.seL4_DebugCapIdentify(root, tcb)).toBe(CapType.ThreadCap);
      expect(kernel.seL4_CNode_Delete(root, CNODE, 0, 0)).toBe(seL4_RangeError);
      expect([buffer.getMR(0), buffer.getMR(1)]).toEqual([1, 64]);
      expect(kernel.seL4_CNode_Delete(root, CNODE, 0, 65)).toBe(seL4_RangeError);
    },
  );
});

describe('CSpace addressing (after sel4test cspace.c)', () => {
  it(
    'CSPACE0001: a chain of one-bit CNodes resolves all 64 bits; flipping any bit of the CPtr misses the ' + 'endpoint',
    async () => {
      const { kernel, root, alloc, helper } = bootEnv();
      const ep = alloc(ObjectType.seL4_EndpointObject);
      // Words are safe integers in the model, so the top 11 bits go to a zero guard on the first CNode;
      // 53 CNodes of radix 1 resolve bits 52..0, alternating slots as sel4test does.
      const levels = 53;
      const cnodes = Array.from({ length: levels }, () => alloc(ObjectType.seL4_CapTableObject, 1));
      let slot = 0;
      let epPosition = 0;
      for (let i = 1; i < levels; i++) {
        expect(
          kernel.seL4_CNode_Copy(root, cnodes[i - 1]!, slot, 1, CNODE, cnodes[i]!, DEPTH, Rights.seL4_AllRights),
        ).toBe(seL4_NoError);
        epPosition += slot * 2 ** (levels - i);
        slot ^= 1;
      }
      expect(kernel.seL4_CNode_Copy(root, cnodes[levels - 1]!, slot, 1, CNODE, ep, DEPTH, Rights.seL4_AllRights)).toBe(
        seL4_NoError,
      );
      epPosition += slot;
      const worker = helper('cspace0001');
      const guardedTop = alloc(ObjectType.seL4_CapTableObject, 1);
      kernel.seL4_CNode_Delete(root, CNODE, guardedTop, DEPTH);
      kernel.seL4_CNode_Mint(
        root,
        CNODE,
        guardedTop,
        DEPTH,
        CNODE,
        cnodes[0]!,
        DEPTH,
        Rights.seL4_AllRights,
        seL4_CNode_CapData_new(0, 11),
      );
      expect(kernel.seL4_TCB_SetSpace(root, worker.cptr, 0, guardedTop, 0)).toBe(seL4_NoError);
      for (let i = 0; i < 64; i++) {
        const info = kernel.seL4_Call(worker.tcb, i, 0) as number;
        expect(Math.floor(info / 4096)).toBe(Sel4Error.seL4_InvalidCapability);
      }
      for (let bitIndex = 0; bitIndex < 53; bitIndex++) {
        const flipped =
          Math.floor(epPosition / 2 ** bitIndex) % 2 === 1 ? epPosition - 2 ** bitIndex : epPosition + 2 ** bitIndex;
        const info = kernel.seL4_Call(worker.tcb, flipped, 0) as number;
        expect(Math.floor(info / 4096)).toBe(Sel4Error.seL4_InvalidCapability);
      }
      expect(kernel.seL4_DebugCapIdentify(worker.tcb, epPosition)).toBe(CapType.EndpointCap);
      const received = kernel.seL4_Recv(root, ep);
      worker.tcb.ipcBuffer.setMR(0, 0x12374151);
      await kernel.seL4_Send(worker.tcb, epPosition, 1);
      expect((await received).info % 128).toBe(1);
      expect(root.ipcBuffer.getMR(0)).toBe(0x12374151);
    },
  );
});
