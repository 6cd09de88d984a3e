import { MAX_CAPS_PER_MESSAGE, type Message } from '@os/kernel';
import { RpcDecodeError, RpcEncodeError } from './errors.js';

const textEncoder = new TextEncoder();

/** Below this many bytes a loop beats `set`, whose setup costs more than the copy. */
const LOOP_COPY_LIMIT = 16;

/** Size of the slabs decoded byte arrays are cut from, and the largest array cut from one. */
const SLAB_SIZE = 16 * 1024;
const SLAB_LIMIT = 1024;

/**
 * Zero-length views a reader or writer holds before its first message: shared, since nothing can be read or written
 * through them.
 */
const EMPTY_WORDS = new Int32Array(0);
const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

/**
 * Decoded byte arrays are views cut from a slab owned by one reader, so decoding 64 bytes does not
 * pay for a fresh ArrayBuffer (as Node's Buffer pool). A slab only ever holds bytes its own reader
 * received, so sharing it never shows one component another's data.
 */
class ByteSlab {
  // allocated at the first decoded byte array: most readers (a LOG client, a PD client) never decode one
  #buffer: ArrayBuffer | null = null;
  #words: Int32Array = EMPTY_WORDS;
  #bytes: Uint8Array = EMPTY_BYTES;
  #used = SLAB_SIZE;

  /** A fresh view holding a copy of `length` bytes of `message` from `at`. */
  copyOut(message: Message, at: number, length: number): Uint8Array {
    if (length > SLAB_LIMIT) {
      const copy = new Uint8Array(length);
      copy.set(message.bytes.subarray(at, at + length));
      return copy;
    }
    let start = this.#used;
    if (start + length > SLAB_SIZE) {
      this.#buffer = new ArrayBuffer(SLAB_SIZE);
      this.#words = new Int32Array(this.#buffer);
      this.#bytes = new Uint8Array(this.#buffer);
      start = 0;
    }
    this.#used = (start + length + 7) & ~7;
    let copied = 0;
    if ((at & 3) === 0) {
      const words = length >>> 2;
      const from = message.words;
      const to = this.#words;
      const fromWord = at >>> 2;
      const toWord = start >>> 2;
      for (let i = 0; i < words; i++) to[toWord + i] = from[fromWord + i] as number;
      copied = words << 2;
    }
    const source = message.bytes;
    const target = this.#bytes;
    for (let i = copied; i < length; i++) target[start + i] = source[at + i] as number;
    return new Uint8Array(this.#buffer as ArrayBuffer, start, length);
  }
}
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Writes values into a message, little-endian, with bounds checks. One writer is reused for every
 * call of a client or entrypoint, so encoding allocates nothing for numbers.
 */
export class MessageWriter {
  #message: Message | null = null;
  #bytes: Uint8Array = EMPTY_BYTES;
  #view: DataView = EMPTY_VIEW;
  /** Next byte to write. */
  offset = 0;
  /** Where in the value is being written, for error messages. */
  path = '';

  /** Starts writing `message` from the beginning, dropping its caps. */
  reset(message: Message, path: string): void {
    this.#message = message;
    this.#bytes = message.bytes;
    this.#view = message.view;
    this.offset = 0;
    this.path = path;
    message.capCount = 0;
  }

  /** Ends writing: the message's length becomes what was written. */
  finish(): void {
    (this.#message as Message).length = this.offset;
  }

  #reserve(size: number): number {
    const at = this.offset;
    if (at + size > this.#bytes.length) {
      throw new RpcEncodeError(
        this.path,
        `message exceeds the IPC buffer of ${this.#bytes.length} bytes; pass bulk data in a dataspace`,
      );
    }
    this.offset = at + size;
    return at;
  }

  /** Writes a request header: opcode and interface fingerprint, one bounds check for both. */
  header(opcode: number, interfaceId: number): void {
    const at = this.#reserve(8);
    this.#view.setUint32(at, opcode, true);
    this.#view.setUint32(at + 4, interfaceId, true);
  }

  /** Writes one unsigned byte. */
  u8(value: number): void {
    this.#bytes[this.#reserve(1)] = value;
  }

  /** Writes an unsigned 16-bit integer. */
  u16(value: number): void {
    this.#view.setUint16(this.#reserve(2), value, true);
  }

  /** Writes an unsigned 32-bit integer. */
  u32(value: number): void {
    this.#view.setUint32(this.#reserve(4), value, true);
  }

  /** Writes a signed 32-bit integer. */
  i32(value: number): void {
    this.#view.setInt32(this.#reserve(4), value, true);
  }

  /** Writes a 64-bit float. */
  f64(value: number): void {
    this.#view.setFloat64(this.#reserve(8), value, true);
  }

  /** Writes a signed 64-bit integer. */
  i64(value: bigint): void {
    this.#view.setBigInt64(this.#reserve(8), value, true);
  }

  /** Writes an unsigned 64-bit integer. */
  u64(value: bigint): void {
    this.#view.setBigUint64(this.#reserve(8), value, true);
  }

  /** Writes a length-prefixed byte string. */
  bytes(value: Uint8Array): void {
    const length = value.length;
    this.u32(length);
    const at = this.#reserve(length);
    if (length < LOOP_COPY_LIMIT) {
      const target = this.#bytes;
      for (let i = 0; i < length; i++) target[at + i] = value[i] as number;
    } else {
      this.#bytes.set(value, at);
    }
  }

  /** Writes a length-prefixed UTF-8 string, encoded straight into the message. */
  string(value: string): void {
    const lengthAt = this.#reserve(4);
    const room = this.#bytes.subarray(this.offset);
    const { read, written } = textEncoder.encodeInto(value, room);
    if (read < value.length) {
      throw new RpcEncodeError(
        this.path,
        `string of ${value.length} characters exceeds the IPC buffer of ${this.#bytes.length} bytes`,
      );
    }
    this.#view.setUint32(lengthAt, written, true);
    this.offset += written;
  }

  /** Puts a selector into the next cap slot and writes the slot's index. */
  cap(selector: number): void {
    const message = this.#message as Message;
    if (message.capCount >= MAX_CAPS_PER_MESSAGE) {
      throw new RpcEncodeError(this.path, `a message carries at most ${MAX_CAPS_PER_MESSAGE} capabilities`);
    }
    message.caps[message.capCount] = selector;
    this.u8(message.capCount++);
  }
}

/** Reads values from a message with bounds checks; every failure is an {@link RpcDecodeError}. */
export class MessageReader {
  #message: Message | null = null;
  readonly #slab = new ByteSlab();
  #bytes: Uint8Array = EMPTY_BYTES;
  #view: DataView = EMPTY_VIEW;
  #end = 0;
  /** Next byte to read. */
  offset = 0;
  /** Where in the value is being read, for error messages. */
  path = '';
  /**
   * The cap slots read since {@link MessageReader.reset}: bit `i` for slot `i`. The received caps in
   * no taken slot are the ones the receiver frees (see `Message.freshCaps`).
   */
  taken = 0;

  /** Starts reading `message` at `offset`. */
  reset(message: Message, offset: number, path: string): void {
    this.#message = message;
    this.#bytes = message.bytes;
    this.#view = message.view;
    this.#end = message.length;
    this.offset = offset;
    this.path = path;
    this.taken = 0;
  }

  /** Bytes left unread. */
  get remaining(): number {
    return this.#end - this.offset;
  }

  /** Fails with a decode error at the current path. */
  fail(reason: string): never {
    throw new RpcDecodeError(this.path, reason);
  }

  #take(size: number): number {
    const at = this.offset;
    if (at + size > this.#end)
      this.fail(`truncated: needs ${size} more bytes at offset ${at}, message has ${this.#end}`);
    this.offset = at + size;
    return at;
  }

  /** Reads one unsigned byte. */
  u8(): number {
    return this.#bytes[this.#take(1)] as number;
  }

  /** Reads an unsigned 16-bit integer. */
  u16(): number {
    return this.#view.getUint16(this.#take(2), true);
  }

  /** Reads an unsigned 32-bit integer. */
  u32(): number {
    return this.#view.getUint32(this.#take(4), true);
  }

  /** Reads a signed 32-bit integer. */
  i32(): number {
    return this.#view.getInt32(this.#take(4), true);
  }

  /** Reads a 64-bit float. */
  f64(): number {
    return this.#view.getFloat64(this.#take(8), true);
  }

  /** Reads a signed 64-bit integer. */
  i64(): bigint {
    return this.#view.getBigInt64(this.#take(8), true);
  }

  /** Reads an unsigned 64-bit integer. */
  u64(): bigint {
    return this.#view.getBigUint64(this.#take(8), true);
  }

  /** Reads a length-prefixed byte string into a fresh copy (a view that shares no bytes with the message). */
  bytes(): Uint8Array {
    const length = this.u32();
    return this.#slab.copyOut(this.#message as Message, this.#take(length), length);
  }

  /** Reads a length-prefixed UTF-8 string; invalid UTF-8 is a decode error. */
  string(): string {
    const length = this.u32();
    const at = this.#take(length);
    try {
      return textDecoder.decode(this.#bytes.subarray(at, at + length));
    } catch {
      return this.fail('string is not valid UTF-8');
    }
  }

  /**
   * Reads a cap-slot index and returns the selector in that slot, recording the slot as {@link MessageReader.taken}.
   */
  cap(): number {
    const slot = this.u8();
    const message = this.#message as Message;
    if (slot >= message.capCount)
      this.fail(`refers to capability slot ${slot}, but the message carries ${message.capCount}`);
    this.taken |= 1 << slot;
    return message.caps[slot] as number;
  }
}
