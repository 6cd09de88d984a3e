import { VirtualClock } from '@os/kernel';
import {
  Crd,
  NovaKernel,
  type NovaEc,
  type NovaKernelOptions,
  type PortalEntry,
  ROOT_PD_SEL,
  type Status,
  XferKind,
  statusName,
} from '@os/kernel-nova';
import { expect } from 'vitest';

/** A booted kernel on virtual time, with the selector helpers the native tests share. */
export interface Machine {
  readonly kernel: NovaKernel;
  readonly clock: VirtualClock;
  /** The root EC: every object is created through it, into the root PD's space. */
  readonly root: NovaEc;
  /** A fresh selector of the root PD's space. */
  sel(): number;
}

export function boot(options: NovaKernelOptions = {}): Machine {
  const clock = new VirtualClock(3);
  const kernel = new NovaKernel({ clock, selectors: 1024, ...options });
  let next = 100;
  return { kernel, clock, root: kernel.rootEc, sel: () => next++ };
}

/** Expects a status by NOVA's name, so a failure reads `COM_TIM` rather than `1`. */
export function expectStatus(actual: unknown, expected: keyof typeof Status): void {
  expect(typeof actual === 'number' ? statusName(actual) : actual).toBe(expected);
}

/** Creates a PD (root selector returned) with `quota` units of kernel memory. */
export function makePd(m: Machine, label: string, quota = 16): number {
  const sel = m.sel();
  expectStatus(m.kernel.create_pd(m.root, sel, ROOT_PD_SEL, Crd.NULL, 0, quota, label), 'SUCCESS');
  return sel;
}

let utcbPage = 1;

/** Creates an EC in PD `pd` (root selector), global with an SC or local; returns it and its root selector. */
export function makeEc(m: Machine, pd: number, label: string, global: boolean): { ec: NovaEc; sel: number } {
  const sel = m.sel();
  expectStatus(m.kernel.create_ec(m.root, sel, pd, 0, utcbPage++ * 4096, 0, global, label), 'SUCCESS');
  if (global) expectStatus(m.kernel.create_sc(m.root, m.sel(), pd, sel), 'SUCCESS');
  return { ec: m.kernel.objectAt(m.kernel.root, sel) as NovaEc, sel };
}

/** Creates a portal into the local EC `ec` (root selector), charged to `pd`, with `id`; returns its root selector. */
export function makePt(m: Machine, pd: number, ec: number, entry: PortalEntry, id = 0): number {
  const sel = m.sel();
  expectStatus(m.kernel.create_pt(m.root, sel, pd, ec, 0, entry), 'SUCCESS');
  if (id !== 0) expectStatus(m.kernel.pt_ctrl(m.root, sel, id), 'SUCCESS');
  return sel;
}

/** Delegates the root PD's object range `crd` into PD `pd` (root selector) at window `window`. */
export function give(
  m: Machine,
  crd: Crd,
  pd: number,
  window: Crd,
  kind: (typeof XferKind)[keyof typeof XferKind] = XferKind.DELEGATE,
  hotspot = 0,
): void {
  const utcb = m.root.utcb;
  utcb.clear();
  expect(utcb.appendItem(kind, crd, hotspot)).toBe(true);
  expectStatus(m.kernel.delegate(m.root, ROOT_PD_SEL, pd, window), 'SUCCESS');
  utcb.clear();
}

/** Writes one 32-bit word as the whole untyped message. */
export function writeWord(utcb: { view: DataView; length: number; itemCount: number }, value: number): void {
  utcb.view.setUint32(0, value, true);
  utcb.length = 4;
  utcb.itemCount = 0;
}

export function readWord(utcb: { view: DataView }): number {
  return utcb.view.getUint32(0, true);
}

/** A promise the test opens when an entry may go on. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Lets microtasks (queued calls, woken waiters) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
