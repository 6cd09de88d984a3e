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
 */
export class TypedItem {
  /** Translate, delegate, or translate-or-delegate. */
  kind: XferKind = XferKind.DELEGATE;
  /** The range: the sender's on sending, the receiver's on receipt. */
  crd: Crd = Crd.NULL;
  /** Sending: where in the receive window the range lands, for windows larger than it. */
  hotspot = 0;
  /** Received: the item was delegated (a new mapping), not translated. */
  delegated = false;
}

/**
 * A user thread-control block: the untyped message words (the {@link @os/kernel#Message} bytes
 * this class extends), the typed items, and the two receive windows NOVA reads from the UTCB
 * header: `xlt` for translations and `del` for delegations.
 */
export class Utcb extends Message {
  /** Receive window for translated items (NOVA's `crd_xlt`). */
  xlt: Crd = Crd.NULL;
  /** Receive window for delegated items (NOVA's `crd_rcv`). */
  del: Crd = Crd.NULL;
  /** Typed items; only the first {@link Utcb.itemCount} are part of the message. */
  readonly items: TypedItem[] = [];
  /** Typed items in the message. */
  itemCount = 0;

  /** Untyped words in the message (4-byte words, the length rounded up). */
  get msgWords(): number {
    return Math.ceil(this.length / 4);
  }

  /** Sets the number of untyped words and drops every typed item, as NOVA's `set_msg_word` does. */
  setMsgWords(words: number): void {
    this.length = words * 4;
    this.itemCount = 0;
  }

  /** Empties the message: no bytes, no caps, no typed items. */
  override clear(): void {
    super.clear();
    this.itemCount = 0;
  }

  /**
   * Appends a typed item. Items fill the UTCB from its end, so they share its space with the
   * untyped words; returns false (nothing appended) when they would overlap.
   */
  appendItem(kind: XferKind, crd: Crd, hotspot = 0): boolean {
    if (this.length + (this.itemCount + 1) * TYPED_ITEM_BYTES > this.capacity) return false;
    let item = this.items[this.itemCount];
    if (item === undefined) {
      item = new TypedItem();
      this.items.push(item);
    }
    item.kind = kind;
    item.crd = crd;
    item.hotspot = hotspot;
    item.delegated = false;
    this.itemCount++;
    return true;
  }

  /** Typed item `index`, or throws a `RangeError` past {@link Utcb.itemCount}. */
  item(index: number): TypedItem {
    const item = this.items[index];
    if (item === undefined || index >= this.itemCount) throw new RangeError(`UTCB holds ${this.itemCount} typed items, no item ${index}`);
    return item;
  }

  /** Copies untyped words and typed items (as sent, untransferred) from `source`. */
  copyFrom(source: Utcb): void {
    this.copyBytesFrom(source, source.length);
    this.itemCount = 0;
    for (let i = 0; i < source.itemCount; i++) {
      const item = source.items[i] as TypedItem;
      this.appendItem(item.kind, item.crd, item.hotspot);
    }
  }
}
