import { Crd, CrdType, alignDown } from './crd.js';
import { type Kobject, Mapping } from './kobject.js';
import type { NovaPd } from './pd.js';
import { XferKind, type TypedItem } from './utcb.js';

/**
 * The mapping database: every selector and page of every PD is a node derived from its parent by
 * delegation. Delegation adds children (rights ANDed); revocation removes a node's subtree. When
 * the last node naming an object goes, `unmapped` destroys the object.
 */
export class MappingDatabase {
  /** Creates the database; `unmapped` runs for each object whose last mapping went. */
  constructor(private readonly unmapped: (object: Kobject) => void) {}

  /** The node at `at` of `pd`'s `space`, if any. */
  lookup(pd: NovaPd, space: CrdType, at: number): Mapping | undefined {
    return space === CrdType.OBJ ? pd.objects[at] : space === CrdType.MEM ? pd.memory.get(at) : undefined;
  }

  /** Whether `at` is a free place of `pd`'s `space`. */
  free(pd: NovaPd, space: CrdType, at: number): boolean {
    if (space === CrdType.OBJ)
      return Number.isInteger(at) && at >= 0 && at < pd.selectors && pd.objects[at] === undefined;
    return Number.isSafeInteger(at) && at >= 0 && !pd.memory.has(at);
  }

  /** Inserts the root node of a new object (its creator's mapping); the place must be free. */
  insertRoot(pd: NovaPd, space: CrdType, at: number, object: Kobject, rights: number, page = 0): Mapping {
    return this.#link(new Mapping(pd, space, at, rights, object, page, null));
  }

  /**
   * Delegates the sender's range `crd` into the receiver's window `window` (NOVA's `del_crd`):
   * rights are ANDed, the smaller of the two orders wins and `hotspot` picks where the smaller
   * range sits in the larger. Places already taken in the receiver are skipped, as are empty
   * places in the sender. Returns the receiver's range, or the null CRD if types or rights do not match.
   */
  delegate(sender: NovaPd, crd: Crd, receiver: NovaPd, window: Crd, hotspot: number): Crd {
    const rights = crd.rights & window.rights;
    if (crd.type !== window.type || crd.type === CrdType.NULL || crd.type === CrdType.PIO || rights === 0)
      return Crd.NULL;
    let sendBase = alignDown(crd.base, crd.order);
    let receiveBase = alignDown(window.base, window.order);
    let order: number;
    if (crd.order < window.order) {
      receiveBase += alignDown(hotspot % 2 ** window.order, crd.order);
      order = crd.order;
    } else {
      sendBase += alignDown(hotspot % 2 ** crd.order, window.order);
      order = window.order;
    }
    const count = 2 ** order;
    for (let i = 0; i < count; i++) {
      const source = this.lookup(sender, crd.type, sendBase + i);
      if (source === undefined || !source.object.alive) continue;
      const at = receiveBase + i;
      if (!this.free(receiver, crd.type, at)) continue;
      const granted = source.rights & rights;
      if (granted === 0) continue;
      const node = new Mapping(receiver, crd.type, at, granted, source.object, source.page, source);
      source.children.add(node);
      this.#link(node);
    }
    return new Crd(crd.type, receiveBase, order, rights);
  }

  /**
   * Translates the sender's `crd` (its base) into the receiver's name for the same object (or the
   * same page of memory), if the receiver holds one inside its window `window`; else the null CRD.
   */
  translate(sender: NovaPd, crd: Crd, receiver: NovaPd, window: Crd): Crd {
    if (crd.type === CrdType.NULL || window.type !== crd.type) return Crd.NULL;
    const source = this.lookup(sender, crd.type, crd.base);
    if (source === undefined) return Crd.NULL;
    let found: Mapping | null = null;
    for (const mapping of source.object.mappings) {
      if (
        mapping.pd !== receiver ||
        mapping.space !== crd.type ||
        mapping.page !== source.page ||
        !window.contains(mapping.at)
      )
        continue;
      if (found === null || mapping.at < found.at) found = mapping;
    }
    return found === null ? Crd.NULL : new Crd(crd.type, found.at, 0, source.rights);
  }

  /** Transfers one typed item (NOVA's `xfer_items` for one item); sets its `delegated` flag. */
  transfer(sender: NovaPd, item: TypedItem, receiver: NovaPd, xlt: Crd, del: Crd, result: TypedItem): void {
    result.kind = item.kind;
    result.hotspot = item.hotspot;
    result.delegated = false;
    if (item.kind === XferKind.TRANSLATE) {
      result.crd = this.translate(sender, item.crd, receiver, xlt);
      return;
    }
    if (item.kind === XferKind.TRANSLATE_OR_DELEGATE) {
      const translated = this.translate(sender, item.crd, receiver, xlt);
      if (!translated.isNull) {
        result.crd = translated;
        return;
      }
    }
    result.crd = this.delegate(sender, item.crd, receiver, del, item.hotspot);
    result.delegated = item.kind === XferKind.TRANSLATE_OR_DELEGATE;
  }

  /**
   * Revokes `rights` from everything derived from the range `crd` of `pd` (and, with `self`, from
   * the range itself); a node left without rights is removed. With `keep` (keep-in-mdb) only the
   * nodes of the range itself go, their children stay, hung on their grandparent.
   */
  revoke(pd: NovaPd, crd: Crd, self: boolean, keep: boolean): void {
    if (crd.type === CrdType.NULL || crd.type === CrdType.PIO) return;
    const start = crd.start;
    const count = crd.count;
    const nodes: Mapping[] = [];
    if (crd.type === CrdType.OBJ) {
      // no node lies past the last one set: a large range of a large space costs what it holds
      const end = Math.min(start + count, pd.selectors, pd.objects.length);
      for (let at = start; at < end; at++) {
        const node = pd.objects[at];
        if (node !== undefined) nodes.push(node);
      }
    } else {
      for (const [at, node] of pd.memory) if (at >= start && at < start + count) nodes.push(node);
    }
    for (const node of nodes) {
      if (keep) this.#drop(node);
      else this.#demote(node, crd.rights, self);
    }
  }

  /** Removes `node` and everything derived from it. */
  removeTree(node: Mapping): void {
    // below the top, a node's parent goes too: it drops its children at once instead of one delete
    // each, which in a wide tree shrinks (reallocates) the parent's set again and again
    this.#postOrder(node, (visited) => {
      this.#unlink(visited, visited === node);
      if (visited.children.size > 0) visited.children.clear();
    });
  }

  #demote(node: Mapping, rights: number, self: boolean): void {
    this.#postOrder(node, (visited) => {
      if (visited === node && !self) return;
      visited.rights &= ~rights;
      if (visited.rights !== 0) return;
      if (visited.children.size === 0) this.#unlink(visited);
      else this.removeTree(visited);
    });
  }

  /**
   * Visits `node`'s subtree children first, each node's children as they were when the walk reached
   * it, as the recursion it replaces did. A loop: a chain of delegations is as deep as it is long,
   * and recursing down a chain of a few thousand overflowed the stack.
   */
  #postOrder(node: Mapping, visit: (node: Mapping) => void): void {
    if (node.children.size === 0) {
      visit(node);
      return;
    }
    const path: Mapping[] = [node];
    const pending: Mapping[][] = [[...node.children]];
    const next: number[] = [0];
    for (let top = 0; top >= 0; top = path.length - 1) {
      const children = pending[top] as Mapping[];
      const index = next[top] as number;
      if (index === children.length) {
        pending.pop();
        next.pop();
        visit(path.pop() as Mapping);
        continue;
      }
      next[top] = index + 1;
      const child = children[index] as Mapping;
      // a leaf needs no frame: in a wide tree that is nearly every node
      if (child.children.size === 0) visit(child);
      else {
        path.push(child);
        pending.push([...child.children]);
        next.push(0);
      }
    }
  }

  #drop(node: Mapping): void {
    const parent = node.parent;
    for (const child of node.children) {
      child.parent = parent;
      parent?.children.add(child);
    }
    node.children.clear();
    this.#unlink(node);
  }

  #link(node: Mapping): Mapping {
    if (node.space === CrdType.OBJ) {
      // grow the space densely: an array written far past its end turns into a slow dictionary
      const objects = node.pd.objects;
      while (objects.length < node.at) objects.push(undefined);
      objects[node.at] = node;
    } else node.pd.memory.set(node.at, node);
    node.object.mappings.add(node);
    return node;
  }

  /** Takes `node` out of its PD and its object's mappings and, with `fromParent`, out of its parent's children. */
  #unlink(node: Mapping, fromParent = true): void {
    const pd = node.pd;
    if (node.space === CrdType.OBJ) {
      if (pd.objects[node.at] === node) pd.objects[node.at] = undefined;
    } else if (pd.memory.get(node.at) === node) pd.memory.delete(node.at);
    if (fromParent) node.parent?.children.delete(node);
    const object = node.object;
    object.mappings.delete(node);
    if (object.mappings.size === 0 && object.alive) this.unmapped(object);
  }
}
