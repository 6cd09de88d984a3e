import { Crd, CrdType, NovaKernel, type NovaPd, ROOT_PD_SEL, Rights, SmOp, XferKind } from '@os/kernel-nova';
import { describe, expect, it } from 'vitest';
import { type Machine, boot, expectStatus, give, makeEc, makePd } from './fixture.js';

/** Four semaphores at consecutive root selectors from an order-2 aligned base; returns the base. */
function fourSms(m: Machine, pd: number): number {
  const base = 0x200;
  for (let i = 0; i < 4; i++) expectStatus(m.kernel.create_sm(m.root, base + i, pd, i), 'SUCCESS');
  return base;
}

function pdOf(m: Machine, sel: number): NovaPd {
  return m.kernel.objectAt(m.kernel.root, sel) as NovaPd;
}

describe('delegation with windows and orders', () => {
  it('maps 2^order selectors; a larger window places the range at the hotspot; rights are ANDed', () => {
    const m = boot();
    const pd = makePd(m, 'pd');
    const base = fourSms(m, pd);
    give(m, Crd.obj(base, 2), pd, Crd.obj(0x80, 3, Rights.SM_UP), XferKind.DELEGATE, 4);
    const target = pdOf(m, pd);
    const landed = [0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87].map((sel) => target.lookup(sel)?.rights ?? null);
    expect(landed).toEqual([null, null, null, null, Rights.SM_UP, Rights.SM_UP, Rights.SM_UP, Rights.SM_UP]);
    expect(target.lookup(0x86)?.object).toBe(m.kernel.objectAt(m.kernel.root, base + 2));
  });

  it('a smaller window takes the part of the range the hotspot picks', () => {
    const m = boot();
    const pd = makePd(m, 'pd');
    const base = fourSms(m, pd);
    give(m, Crd.obj(base, 2), pd, Crd.obj(0x90, 1), XferKind.DELEGATE, 2);
    const target = pdOf(m, pd);
    expect(target.lookup(0x90)?.object).toBe(m.kernel.objectAt(m.kernel.root, base + 2));
    expect(target.lookup(0x91)?.object).toBe(m.kernel.objectAt(m.kernel.root, base + 3));
    expect(target.lookup(0x92)).toBeUndefined();
  });

  it('places already taken keep what they hold; a window of another type or no rights maps nothing', () => {
    const m = boot();
    const pd = makePd(m, 'pd');
    const base = fourSms(m, pd);
    give(m, Crd.obj(base, 0), pd, Crd.obj(0xa0, 0));
    give(m, Crd.obj(base + 1, 0), pd, Crd.obj(0xa0, 0));
    const target = pdOf(m, pd);
    expect(target.lookup(0xa0)?.object).toBe(m.kernel.objectAt(m.kernel.root, base));
    const result = m.kernel.mdb.delegate(m.kernel.root, Crd.obj(base, 0), target, Crd.mem(0xb0, 0), 0);
    expect(result.isNull).toBe(true);
    expect(
      m.kernel.mdb.delegate(m.kernel.root, Crd.obj(base, 0, Rights.SM_UP), target, Crd.obj(0xb0, 0, Rights.SM_DOWN), 0)
        .isNull,
    ).toBe(true);
    expect(target.lookup(0xb0)).toBeUndefined();
  });

  it('translate names the receiver own mapping of the object inside its window, else the null CRD', () => {
    const m = boot();
    const pd = makePd(m, 'pd');
    const base = fourSms(m, pd);
    give(m, Crd.obj(base, 0), pd, Crd.obj(0x70, 0));
    const target = pdOf(m, pd);
    expect(m.kernel.mdb.translate(m.kernel.root, Crd.obj(base, 0), target, Crd.obj(0, 31)).base).toBe(0x70);
    expect(m.kernel.mdb.translate(m.kernel.root, Crd.obj(base, 0), target, Crd.obj(0x100, 4)).isNull).toBe(true);
    expect(m.kernel.mdb.translate(m.kernel.root, Crd.obj(base + 1, 0), target, Crd.obj(0, 31)).isNull).toBe(true);
    give(m, Crd.obj(base + 1, 0), pd, Crd.NULL, XferKind.TRANSLATE);
    expect(target.lookup(0)).toBeUndefined();
  });

  it('memory CRDs map pages of the same memory; writes through one PD are seen through the other', () => {
    const m = boot();
    const a = makePd(m, 'a');
    const b = makePd(m, 'b');
    const page = m.kernel.alloc_mem(4);
    const utcb = m.root.utcb;
    utcb.clear();
    utcb.appendItem(XferKind.DELEGATE, Crd.mem(page, 2));
    expectStatus(m.kernel.delegate(m.root, ROOT_PD_SEL, a, Crd.mem(0x400, 2)), 'SUCCESS');
    expectStatus(m.kernel.delegate(m.root, ROOT_PD_SEL, b, Crd.mem(0x800, 2, Rights.MEM_R)), 'SUCCESS');
    const inA = m.kernel.mapped(pdOf(m, a), 0x402);
    const inB = m.kernel.mapped(pdOf(m, b), 0x802);
    expect(inA?.memory).toBe(inB?.memory);
    expect(inA?.page).toBe(2);
    expect(inB?.rights).toBe(Rights.MEM_R);
    new Uint8Array(inA!.memory.buffer)[2 * 4096] = 7;
    expect(new Uint8Array(inB!.memory.buffer)[2 * 4096]).toBe(7);
  });
});

describe('revoke through the mapping database', () => {
  /** root -> a -> b -> c: one semaphore delegated down a chain of PDs. */
  function chain() {
    const m = boot();
    const [a, b, c] = ['a', 'b', 'c'].map((label) => makePd(m, label)) as [number, number, number];
    const sm = m.sel();
    expectStatus(m.kernel.create_sm(m.root, sm, a, 0), 'SUCCESS');
    give(m, Crd.obj(sm, 0), a, Crd.obj(0x40, 0));
    const [pa, pb, pc] = [a, b, c].map((sel) => pdOf(m, sel)) as [NovaPd, NovaPd, NovaPd];
    const ecA = makeEc(m, a, 'a.ec', true).ec;
    const ecB = makeEc(m, b, 'b.ec', true).ec;
    // a hands it on to b, b to c: each mapping's parent is the one before
    m.kernel.mdb.delegate(pa, Crd.obj(0x40, 0), pb, Crd.obj(0x41, 0), 0);
    m.kernel.mdb.delegate(pb, Crd.obj(0x41, 0), pc, Crd.obj(0x42, 0), 0);
    return { m, sm, pa, pb, pc, ecA, ecB };
  }

  it('revoke without self removes everything derived, recursively, and keeps the given mapping', () => {
    const { m, pa, pb, pc, ecA } = chain();
    expectStatus(m.kernel.revoke(ecA, Crd.obj(0x40, 0), false), 'SUCCESS');
    expect(pa.lookup(0x40)).toBeDefined();
    expect(pb.lookup(0x41)).toBeUndefined();
    expect(pc.lookup(0x42)).toBeUndefined();
  });

  it(
    'revokes a chain of 20 000 delegations (deeper than the JavaScript stack would go by recursion), keeping the ' +
      'original',
    () => {
      const depth = 20_000;
      const kernel = new NovaKernel({ selectors: 0x1000 + depth });
      const root = kernel.rootEc;
      expectStatus(kernel.create_pd(root, 0x100, ROOT_PD_SEL, Crd.NULL, 0, 0, 'holder'), 'SUCCESS');
      expectStatus(kernel.create_sm(root, 0x101, ROOT_PD_SEL, 0), 'SUCCESS');
      const holder = kernel.objectAt(kernel.root, 0x100) as NovaPd;
      for (let i = 0; i < depth; i++) {
        root.utcb.clear();
        root.utcb.appendItem(XferKind.DELEGATE, Crd.obj(i === 0 ? 0x101 : 0x1000 + i - 1, 0));
        expectStatus(kernel.delegate(root, i === 0 ? ROOT_PD_SEL : 0x100, 0x100, Crd.obj(0x1000 + i, 0)), 'SUCCESS');
      }
      root.utcb.clear();
      expect(kernel.mappingAt(holder, 0x1000 + depth - 1)?.parent).toBe(kernel.mappingAt(holder, 0x1000 + depth - 2));
      expectStatus(kernel.revoke(root, Crd.obj(0x101, 0), false), 'SUCCESS');
      const survivors = Array.from({ length: depth }, (_, i) => kernel.mappingAt(holder, 0x1000 + i)).filter(
        (mapping) => mapping !== null,
      );
      expect(survivors).toEqual([]);
      expect(kernel.lookup(root, Crd.obj(0x101, 0)).isNull).toBe(false);
    },
  );

  it('revoke with self from the root destroys the object and refunds the kernel memory it cost', () => {
    const { m, sm, pa, pc } = chain();
    const object = m.kernel.objectAt(m.kernel.root, sm);
    const used = pa.quota.used;
    expectStatus(m.kernel.revoke(m.root, Crd.obj(sm, 0), true), 'SUCCESS');
    expect(object?.alive).toBe(false);
    expect(pa.lookup(0x40)).toBeUndefined();
    expect(pc.lookup(0x42)).toBeUndefined();
    expect(pa.quota.used).toBe(used - 1);
  });

  it('keep-in-mdb (drop) removes one mapping only; what was derived from it stays revocable from above', () => {
    const { m, pa, pb, pc, ecB, ecA } = chain();
    expectStatus(m.kernel.revoke(ecB, Crd.obj(0x41, 0), true, 0, true), 'SUCCESS');
    expect(pb.lookup(0x41)).toBeUndefined();
    expect(pc.lookup(0x42)?.parent).toBe(pa.lookup(0x40));
    expectStatus(m.kernel.revoke(ecA, Crd.obj(0x40, 0), false), 'SUCCESS');
    expect(pc.lookup(0x42)).toBeUndefined();
  });

  it('revoking some rights demotes the subtree; a mapping left without rights goes', () => {
    const { m, pa, pb, pc, ecA, ecB } = chain();
    expectStatus(m.kernel.revoke(ecA, Crd.obj(0x40, 0, Rights.SM_DOWN), false), 'SUCCESS');
    expect(pa.lookup(0x40)?.rights).toBe(Rights.SM_UP | Rights.SM_DOWN);
    expect(pb.lookup(0x41)?.rights).toBe(Rights.SM_UP);
    expectStatus(m.kernel.sm_ctrl(ecB, 0x41, SmOp.DOWN), 'BAD_CAP');
    expectStatus(m.kernel.sm_ctrl(ecB, 0x41, SmOp.UP), 'SUCCESS');
    expectStatus(m.kernel.revoke(ecA, Crd.obj(0x40, 0, Rights.SM_UP), false), 'SUCCESS');
    expect(pb.lookup(0x41)).toBeUndefined();
    expect(pc.lookup(0x42)).toBeUndefined();
  });

  it('revoke in another PD needs that PD capability; a remote revoke of a memory range unmaps it', () => {
    const m = boot();
    const a = makePd(m, 'a');
    const page = m.kernel.alloc_mem(1);
    const utcb = m.root.utcb;
    utcb.clear();
    utcb.appendItem(XferKind.DELEGATE, Crd.mem(page, 0));
    expectStatus(m.kernel.delegate(m.root, ROOT_PD_SEL, a, Crd.mem(0x10, 0)), 'SUCCESS');
    expect(m.kernel.mapped(pdOf(m, a), 0x10)).not.toBe(null);
    expectStatus(m.kernel.revoke(m.root, Crd.mem(0x10, 0), true, 0x3ff), 'BAD_CAP');
    expectStatus(m.kernel.revoke(m.root, Crd.mem(0x10, 0), true, a), 'SUCCESS');
    expect(m.kernel.mapped(pdOf(m, a), 0x10)).toBe(null);
    expect(m.kernel.lookup(m.root, Crd.mem(page, 0)).type).toBe(CrdType.MEM);
  });
});
