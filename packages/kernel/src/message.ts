/** How many capabilities one IPC message carries at most, as in Genode's `Msgbuf`. */
export const MAX_CAPS_PER_MESSAGE = 4;

/** The capability selector that names nothing; a slot that held a revoked cap reads as this. */
export const INVALID_SELECTOR = 0;

/**
 * A kernel's reads and writes of a {@link Message}: straight to its private state, never through a
 * property, so nothing a component did to its buffer runs code in the kernel or answers one read
 * differently from the next. Each function reads (or writes) its field once.
 */
export interface MessageAccess {
  /** The length as the holder last set it (any value: check it before use). */
  readonly length: (message: Message) => number;
  /** The capability count as the holder last set it (any value: check it before use). */
  readonly capCount: (message: Message) => number;
  /** The buffer's own words. */
  readonly words: (message: Message) => Int32Array;
  /** The buffer's own capability selectors. */
  readonly caps: (message: Message) => Int32Array;
  /** Sets what a delivery left: the length, the capability count and which capabilities are fresh. */
  readonly deliver: (message: Message, length: number, capCount: number, freshCaps: number) => void;
}

let access: MessageAccess | undefined;

/**
 * An IPC buffer: the bytes of one message plus the capability selectors it carries.
 *
 * Each thread owns one (its UTCB). The sender writes its message here and the kernel copies
 * it into the receiver's buffer, translating each selector into the receiver's capability space.
 * Nothing but bytes and integers ever crosses a protection-domain boundary.
 *
 * The buffer keeps its state in private fields behind accessors, and every instance is
 * non-extensible once constructed: its holder cannot shadow a field with a getter, swap an array,
 * or freeze it out from under the kernel (`Object.freeze` and `harden` change nothing a kernel
 * relies on). Kernels read it through {@link messageAccess}. A subclass must end its constructor
 * with `if (new.target === Subclass) Object.preventExtensions(this)` and keep its own state private.
 */
export class Message {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #words: Int32Array;
  readonly #caps = new Int32Array(MAX_CAPS_PER_MESSAGE);
  #length = 0;
  #capCount = 0;
  #freshCaps = 0;

  static {
    access = Object.freeze({
      length: (message: Message) => message.#length,
      capCount: (message: Message) => message.#capCount,
      words: (message: Message) => message.#words,
      caps: (message: Message) => message.#caps,
      deliver(message: Message, length: number, capCount: number, freshCaps: number): void {
        message.#length = length;
        message.#capCount = capCount;
        message.#freshCaps = freshCaps;
      },
    });
  }

  /**
   * Creates an empty buffer of `capacity` bytes: its own, or (for a {@link MessageSlab}) the region of
   * `buffer` at `byteOffset`, a multiple of 4, which must not be handed out again.
   */
  constructor(capacity: number, buffer?: ArrayBuffer, byteOffset = 0) {
    const words = Math.ceil(capacity / 4);
    const backing = buffer ?? new ArrayBuffer(words * 4);
    this.#bytes = new Uint8Array(backing, byteOffset, capacity);
    this.#view = new DataView(backing, byteOffset, capacity);
    this.#words = new Int32Array(backing, byteOffset, words);
    // the most-derived constructor seals the instance: a subclass does at the end of its own
    if (new.target === Message) Object.preventExtensions(this);
  }

  /** The payload; only the first {@link Message.length} bytes belong to the message. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** A view on {@link Message.bytes} for typed reads and writes. */
  get view(): DataView {
    return this.#view;
  }

  /** The same bytes as 32-bit words, so kernels copy messages a word at a time. */
  get words(): Int32Array {
    return this.#words;
  }

  /** Capability selectors, in the holder's own capability space. */
  get caps(): Int32Array {
    return this.#caps;
  }

  /**
   * Number of payload bytes in use. A kernel refuses to send a value that is no integer from 0 to {@link
   * Message.capacity}.
   */
  get length(): number {
    return this.#length;
  }

  set length(length: number) {
    this.#length = length;
  }

  /**
   * Number of entries of {@link Message.caps} in use. A kernel refuses to send a value that is no integer from 0 to
   * {@link MAX_CAPS_PER_MESSAGE}.
   */
  get capCount(): number {
    return this.#capCount;
  }

  set capCount(count: number) {
    this.#capCount = count;
  }

  /**
   * Which received capabilities this reception installed: bit `i` set when `caps[i]` is a new entry
   * in the receiver's space, one it did not hold before the message arrived. Translation reuses an
   * entry the receiver already holds, so only a fresh capability may be freed by a receiver that does
   * not want it; freeing a reused one would drop what it held before. An object carried twice is
   * fresh in its first slot only; a cap that arrived as {@link INVALID_SELECTOR} is never fresh.
   * Kernels set it on every message they deliver; a sender need not touch it.
   */
  get freshCaps(): number {
    return this.#freshCaps;
  }

  set freshCaps(mask: number) {
    this.#freshCaps = mask;
  }

  /** The buffer's size: the largest message it can hold. */
  get capacity(): number {
    return this.#bytes.length;
  }

  /** Empties the message (no bytes, no caps). */
  clear(): void {
    this.#length = 0;
    this.#capCount = 0;
    this.#freshCaps = 0;
  }

  /**
   * Copies the first `length` bytes of `source` into this buffer, whole words first. Bytes of
   * `source` past `length` are never copied, so no stale data of the sender leaks.
   */
  copyBytesFrom(source: Message, length: number): void {
    const words = length >>> 2;
    const from = source.#words;
    const to = this.#words;
    for (let i = 0; i < words; i++) to[i] = from[i] as number;
    const tail = words << 2;
    const fromBytes = source.#bytes;
    const toBytes = this.#bytes;
    for (let i = tail; i < length; i++) toBytes[i] = fromBytes[i] as number;
    this.#length = length;
  }

  /** The bytes in use, as a fresh copy. */
  payload(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  /** Replaces the payload with `data`; throws a `RangeError` if it does not fit. */
  setPayload(data: Uint8Array): void {
    const bytes = this.#bytes;
    if (data.length > bytes.length) {
      throw new RangeError(`message of ${data.length} bytes exceeds the IPC buffer of ${bytes.length} bytes`);
    }
    bytes.set(data);
    this.#length = data.length;
  }

  /** Replaces the carried selectors; throws a `RangeError` past {@link MAX_CAPS_PER_MESSAGE}. */
  setCaps(selectors: readonly number[]): void {
    const count = selectors.length;
    if (count > MAX_CAPS_PER_MESSAGE) {
      throw new RangeError(`a message carries at most ${MAX_CAPS_PER_MESSAGE} capabilities, got ${count}`);
    }
    const caps = this.#caps;
    for (let i = 0; i < count; i++) caps[i] = selectors[i] ?? INVALID_SELECTOR;
    this.#capCount = count;
    this.#freshCaps = 0;
  }

  /** The carried selectors as an array. */
  capList(): number[] {
    return Array.from(this.#caps.subarray(0, this.#capCount));
  }
}

/** A kernel's access to every {@link Message}'s private state (see {@link MessageAccess}). */
export const messageAccess: MessageAccess = access as MessageAccess;

/** Bytes of one {@link MessageSlab} buffer. */
const MESSAGE_SLAB_SIZE = 1024;
/** Messages larger than this get a buffer of their own. */
const MESSAGE_SLAB_LIMIT = 256;

/**
 * Private messages cut from one thread's slab: the copies a kernel makes of what the thread sends
 * into a queue or receives as a late reply. An `ArrayBuffer` costs far more to make than the views on
 * one, and such copies are made on every asynchronous call. A slab holds only the bytes of the one
 * thread it belongs to (a message's `bytes.buffer` shows its earlier messages, never another PD's),
 * and each region is handed out once: the slab is replaced when full, never rewound.
 */
export class MessageSlab {
  #buffer: ArrayBuffer | null = null;
  #used = MESSAGE_SLAB_SIZE;

  /**
   * A zeroed message of `capacity` bytes that no other message shares bytes with, made by `kind` (a
   * kernel's own subclass of {@link Message}, such as NOVA's UTCB), by default a plain `Message`.
   */
  take<M extends Message = Message>(capacity: number, kind?: MessageClass<M>): M {
    const Kind = kind ?? (Message as unknown as MessageClass<M>);
    const size = (Math.max(capacity, 4) + 7) & ~7;
    if (size > MESSAGE_SLAB_LIMIT) return new Kind(capacity);
    if (this.#used + size > MESSAGE_SLAB_SIZE) {
      this.#buffer = new ArrayBuffer(MESSAGE_SLAB_SIZE);
      this.#used = 0;
    }
    const message = new Kind(capacity, this.#buffer as ArrayBuffer, this.#used);
    this.#used += size;
    return message;
  }
}

/** A class of messages a {@link MessageSlab} can make: `Message` or a subclass with its constructor. */
export type MessageClass<M extends Message> = new (capacity: number, buffer?: ArrayBuffer, byteOffset?: number) => M;
