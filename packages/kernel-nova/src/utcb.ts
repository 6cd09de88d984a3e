import { Message } from '@os/kernel';
import { Crd } from './crd.js';

/** How a typed item transfers its CRD (the low bits of NOVA's item hotspot word). */
export const XferKind = {
  /** Translate: the receiver's own name for the object, or a null CRD. */
  TRANSLATE: 0,
  /** Delegate: a new mapping in the receiver's delegation window, rights ANDed. */
  DELEGATE: 1,
  /** Translate if the receiver has a name for it, else delegate (base-nova's `translate_map`). */
  TRANSLATE_OR_DELEGATE: 2,
} as const;

/** One of the {@link (XferKind:variable)} values. */
export type XferKind = (typeof XferKind)[keyof typeof XferKind];

/** Bytes one typed item takes at the end of the UTCB: two machine words. */
export const TYPED_ITEM_BYTES = 16;

/**
 * A typed item. Sent: what the sender transfers (`kind`, `crd` in the sender's space, `hotspot`
 * picking the place in the receive window). Received: the result in the receiver's space (`crd`,
 * null if nothing arrived) and whether it was delegated rather than translated.
 *
 * Its state is private and checked on every write, and it is non-extensible: the kernel reads
 * what its holder wrote, never a getter of the holder's.
 */
export class TypedItem {
  #kind: XferKind = XferKind.DELEGATE;
  #crd: Crd = Crd.NULL;
  #hotspot = 0;
  #delegated = false;

  constructor() {
    Object.preventExtensions(this);
  }

  /** Translate, delegate, or translate-or-delegate. */
  get kind(): XferKind {
    return this.#kind;
  }

  set kind(kind: XferKind) {
    if (kind !== XferKind.TRANSLATE && kind !== XferKind.DELEGATE && kind !== XferKind.TRANSLATE_OR_DELEGATE)
      throw new RangeError(`typed item kind must be 0, 1 or 2, got ${String(kind)}`);
    this.#kind = kind;
  }

  /** The range: the sender's on sending, the receiver's on receipt. */
  get crd(): Crd {
    return this.#crd;
  }

  set crd(crd: Crd) {
    this.#crd = checkedCrd(crd, 'typed item CRD');
  }

  /** Sending: where in the receive window the range lands, for windows larger than it. */
  get hotspot(): number {
    return this.#hotspot;
  }

  set hotspot(hotspot: number) {
    if (!Number.isSafeInteger(hotspot) || hotspot < 0)
      throw new RangeError(`typed item hotspot must be a non-negative integer, got ${String(hotspot)}`);
    this.#hotspot = hotspot;
  }

  /** Received: the item was delegated (a new mapping), not translated. */
  get delegated(): boolean {
    return this.#delegated;
  }

  set delegated(delegated: boolean) {
    this.#delegated = delegated === true;
  }
}

/** `crd` if it is a CRD the kernel made, else a `TypeError`: a look-alike would answer each read differently. */
function checkedCrd(crd: Crd, what: string): Crd {
  if (!Crd.is(crd)) throw new TypeError(`${what} must be a Crd`);
  return crd;
}

/** The kernel's access to a {@link Utcb}'s private state (this package only, not exported by its index). */
export interface UtcbAccess {
  /** Typed items in the message, as the holder last set it (any value: check it before use). */
  readonly itemCount: (utcb: Utcb) => number;
  /** Sets the number of typed items (the kernel's own, checked count). */
  readonly setItemCount: (utcb: Utcb, count: number) => void;
  /** The UTCB's own typed items, every one it ever made (only the first `itemCount` are in the message). */
  readonly items: (utcb: Utcb) => TypedItem[];
  /** The translate window. */
  readonly xlt: (utcb: Utcb) => Crd;
  /** The delegate window. */
  readonly del: (utcb: Utcb) => Crd;
}

let access: UtcbAccess | undefined;

/**
 * A user thread-control block: the untyped message words (the {@link @os/kernel#Message} bytes
 * this class extends), the typed items, and the two receive windows NOVA reads from the UTCB
 * header: `xlt` for translations and `del` for delegations. Like a `Message`, it keeps its state
 * private and is non-extensible once made.
 */
export class Utcb extends Message {
  #xlt: Crd = Crd.NULL;
  #del: Crd = Crd.NULL;
  readonly #items: TypedItem[] = [];
  #itemCount = 0;

  static {
    access = Object.freeze({
      itemCount: (utcb: Utcb) => utcb.#itemCount,
      setItemCount(utcb: Utcb, count: number): void {
        utcb.#itemCount = count;
      },
      items: (utcb: Utcb) => utcb.#items,
      xlt: (utcb: Utcb) => utcb.#xlt,
      del: (utcb: Utcb) => utcb.#del,
    });
  }

  /** Creates an empty UTCB of `capacity` bytes (see {@link @os/kernel#Message}'s constructor). */
  constructor(capacity: number, buffer?: ArrayBuffer, byteOffset = 0) {
    super(capacity, buffer, byteOffset);
    if (new.target === Utcb) Object.preventExtensions(this);
  }

  /** Receive window for translated items (NOVA's `crd_xlt`). */
  get xlt(): Crd {
    return this.#xlt;
  }

  set xlt(crd: Crd) {
    this.#xlt = checkedCrd(crd, 'the translate window');
  }

  /** Receive window for delegated items (NOVA's `crd_rcv`). */
  get del(): Crd {
    return this.#del;
  }

  set del(crd: Crd) {
    this.#del = checkedCrd(crd, 'the delegate window');
  }

  /** The typed items of the message, as a frozen list (change one through {@link Utcb.item}). */
  get items(): readonly TypedItem[] {
    return Object.freeze(this.#items.slice(0, Math.max(0, Math.min(Number(this.#itemCount) || 0, this.#items.length))));
  }

  /** Typed items in the message. The kernel refuses to send a count that is no integer up to the items appended. */
  get itemCount(): number {
    return this.#itemCount;
  }

  set itemCount(count: number) {
    this.#itemCount = count;
  }

  /** Untyped words in the message (4-byte words, the length rounded up). */
  get msgWords(): number {
    return Math.ceil(this.length / 4);
  }

  /** Sets the number of untyped words and drops every typed item, as NOVA's `set_msg_word` does. */
  setMsgWords(words: number): void {
    this.length = words * 4;
    this.#itemCount = 0;
  }

  /** Empties the message: no bytes, no caps, no typed items. */
  override clear(): void {
    super.clear();
    this.#itemCount = 0;
  }

  /**
   * Appends a typed item. Items fill the UTCB from its end, so they share its space with the
   * untyped words; returns false (nothing appended) when they would overlap.
   */
  appendItem(kind: XferKind, crd: Crd, hotspot = 0): boolean {
    const count = this.#itemCount;
    if (!Number.isInteger(count) || count < 0 || count > this.#items.length)
      throw new RangeError(`UTCB item count ${String(count)} is not an item count`);
    if (this.length + (count + 1) * TYPED_ITEM_BYTES > this.capacity) return false;
    let item = this.#items[count];
    if (item === undefined) {
      item = new TypedItem();
      this.#items.push(item);
    }
    item.kind = kind;
    item.crd = crd;
    item.hotspot = hotspot;
    item.delegated = false;
    this.#itemCount = count + 1;
    return true;
  }

  /** Typed item `index`, or throws a `RangeError` past {@link Utcb.itemCount}. */
  item(index: number): TypedItem {
    const item = this.#items[index];
    if (item === undefined || !(index < this.#itemCount))
      throw new RangeError(`UTCB holds ${String(this.#itemCount)} typed items, no item ${index}`);
    return item;
  }

  /** Copies untyped words and typed items (as sent, untransferred) from `source`, a message the kernel checked. */
  copyFrom(source: Utcb): void {
    this.copyBytesFrom(source, source.length);
    this.#itemCount = 0;
    const count = source.#itemCount;
    const items = source.#items;
    for (let i = 0; i < count; i++) {
      const item = items[i] as TypedItem;
      this.appendItem(item.kind, item.crd, item.hotspot);
    }
  }
}

/** The kernel's access to every {@link Utcb}'s private state. */
export const utcbAccess: UtcbAccess = access as UtcbAccess;
