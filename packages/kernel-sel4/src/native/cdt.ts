import { type Cap, CapType, NULL_CAP } from './cap.js';
import type { Cte } from './objects.js';

/** `isCapRevocable`: a derived cap may have children of its own if it changed the badge, or is untyped. */
export function isCapRevocable(derived: Cap, source: Cap): boolean {
  switch (derived.type) {
    case CapType.EndpointCap:
    case CapType.NotificationCap:
      return derived.badge !== source.badge;
    case CapType.UntypedCap:
      return true;
    default:
      return false;
  }
}

/**
 * `isMDBParentOf`: whether `child` counts as derived from `parent`. A badged endpoint or notification
 * cap parents only copies of its own badge that are not themselves the first of that badge.
 */
export function isMDBParentOf(parent: Cte, child: Cte): boolean {
  if (!parent.revocable) return false;
  const a = parent.cap;
  const b = child.cap;
  if (a.type === CapType.UntypedCap) return b.type !== CapType.NullCap;
  if (a.object !== b.object) return false;
  if (a.type === CapType.EndpointCap || a.type === CapType.NotificationCap) {
    if (a.badge === 0) return true;
    return a.badge === b.badge && !child.firstBadged;
  }
  return true;
}

/** Links `child` as the last-added child of `parent`. */
export function linkChild(parent: Cte, child: Cte): void {
  child.parent = parent;
  child.prevSibling = null;
  const first = parent.firstChild;
  child.nextSibling = first;
  if (first !== null) first.prevSibling = child;
  parent.firstChild = child;
}

/** Unlinks `child` from its parent's children. */
export function unlinkChild(child: Cte): void {
  const parent = child.parent;
  if (parent === null) return;
  const prev = child.prevSibling;
  const next = child.nextSibling;
  if (prev !== null) prev.nextSibling = next;
  else parent.firstChild = next;
  if (next !== null) next.prevSibling = prev;
  child.parent = null;
  child.prevSibling = null;
  child.nextSibling = null;
}

/** `cteInsert`: puts `cap`, derived from `source`'s cap, into the empty slot `dest`. */
export function cteInsert(cap: Cap, source: Cte, dest: Cte): void {
  const revocable = isCapRevocable(cap, source.cap);
  dest.cap = cap;
  dest.revocable = revocable;
  dest.firstBadged = revocable;
  const parent = isMDBParentOf(source, dest) ? source : source.parent;
  if (parent !== null) linkChild(parent, dest);
  else dest.parent = null;
  if (cap.object !== null && cap.type !== CapType.ReplyCap) cap.object.capCount++;
}

/** `insertNewCap`: a cap to a freshly retyped object, child of the untyped `parent`. */
export function insertNewCap(parent: Cte, slot: Cte, cap: Cap): void {
  slot.cap = cap;
  slot.revocable = true;
  slot.firstBadged = true;
  linkChild(parent, slot);
  if (cap.object !== null) cap.object.capCount++;
}

/** `cteMove`: `source`'s cap (as `cap`) and its place in the tree go to the empty slot `dest`. */
export function cteMove(cap: Cap, source: Cte, dest: Cte): void {
  dest.cap = cap;
  dest.revocable = source.revocable;
  dest.firstBadged = source.firstBadged;
  const parent = source.parent;
  const children = source.children();
  unlinkChild(source);
  if (parent !== null) linkChild(parent, dest);
  for (const child of children) {
    unlinkChild(child);
    linkChild(dest, child);
  }
  clearSlot(source);
}

/** `cteSwap`: exchanges the caps (as `cap1` now in `slot2`, `cap2` in `slot1`) and tree positions. */
export function cteSwap(cap1: Cap, slot1: Cte, cap2: Cap, slot2: Cte): void {
  const parent1 = slot1.parent;
  const parent2 = slot2.parent;
  const children1 = slot1.children();
  const children2 = slot2.children();
  const flags1 = [slot1.revocable, slot1.firstBadged] as const;
  unlinkChild(slot1);
  unlinkChild(slot2);
  for (const child of [...children1, ...children2]) unlinkChild(child);
  slot1.cap = cap2;
  slot2.cap = cap1;
  [slot1.revocable, slot1.firstBadged] = [slot2.revocable, slot2.firstBadged];
  [slot2.revocable, slot2.firstBadged] = flags1;
  const newParent2 = parent1 === slot2 ? slot1 : parent1;
  const newParent1 = parent2 === slot1 ? slot2 : parent2;
  if (newParent2 !== null) linkChild(newParent2, slot2);
  if (newParent1 !== null) linkChild(newParent1, slot1);
  for (const child of children1) if (child !== slot2) adopt(slot2, child);
  for (const child of children2) if (child !== slot1) adopt(slot1, child);
}

function adopt(parent: Cte, child: Cte): void {
  linkChild(parent, child);
}

/**
 * `emptySlot`: takes the cap out of the tree (its children move up to its parent, as splicing the
 * preorder list does) and leaves the slot empty.
 */
export function emptySlot(slot: Cte): void {
  const parent = slot.parent;
  unlinkChild(slot);
  if (slot.firstChild !== null) {
    if (slot.firstBadged) slot.firstChild.firstBadged = true;
    for (const child of slot.children()) {
      unlinkChild(child);
      if (parent !== null) linkChild(parent, child);
    }
  }
  const cap = slot.cap;
  if (cap.object !== null && cap.type !== CapType.ReplyCap) cap.object.capCount--;
  clearSlot(slot);
}

function clearSlot(slot: Cte): void {
  slot.cap = NULL_CAP;
  slot.revocable = false;
  slot.firstBadged = false;
}
