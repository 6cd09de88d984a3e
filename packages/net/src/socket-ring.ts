/**
 * The layout of a socket's dataspace, shared by the net server and its client (Genode's packet stream, reduced to two
 * byte rings): a header of 32-bit counters, then the receive ring (server writes, client reads), then the transmit
 * ring (client writes, server reads). Each counter is written by one side only and counts bytes since the socket
 * opened, modulo 2^32, so `write - read` is what a ring holds. The server checks every counter the client writes.
 */

/** Header word: bytes the server put into the receive ring (server writes). */
export const RX_WRITE = 0;
/** Header word: bytes the client took from the receive ring (client writes). */
export const RX_READ = 4;
/** Header word: bytes the client put into the transmit ring (client writes). */
export const TX_WRITE = 8;
/** Header word: bytes the server took from the transmit ring and the host has sent (server writes). */
export const TX_READ = 12;
/** Header word: the socket's {@link SocketState} (server writes). */
export const STATE = 16;
/** Header word: set to 1 once the peer ended its side and all it sent is in the receive ring (server writes). */
export const RX_ENDED = 20;
/** Header word: the receive ring's size in bytes (server writes). */
export const RX_SIZE = 24;
/** Header word: the transmit ring's size in bytes (server writes). */
export const TX_SIZE = 28;
/** Bytes of the header; the receive ring starts here. */
export const RING_HEADER = 32;

/** Where a socket is, as its header's {@link STATE} word says. */
export const SocketState = {
  /** The connect (or TLS handshake) is under way. */
  connecting: 0,
  /** Connected: data flows. */
  open: 1,
  /** Failed: the session's `failure(id)` says why. */
  failed: 2,
  /** Closed by the peer or the server: no more data either way. */
  closed: 3,
} as const;

/** A socket's state word. */
export type SocketState = (typeof SocketState)[keyof typeof SocketState];

/** Bytes a socket's dataspace needs for rings of `rx` and `tx` bytes. */
export function ringBytes(rx: number, tx: number): number {
  return RING_HEADER + rx + tx;
}

/** A view of one socket's dataspace: the header's counters and the two rings. */
export class SocketRing {
  /** The receive ring's bytes. */
  readonly rx: Uint8Array;
  /** The transmit ring's bytes. */
  readonly tx: Uint8Array;
  readonly #header: DataView;

  /** Views `bytes` (a socket's attached dataspace) with rings of `rxSize` and `txSize` bytes. */
  constructor(bytes: Uint8Array, rxSize: number, txSize: number) {
    this.#header = new DataView(bytes.buffer, bytes.byteOffset, RING_HEADER);
    this.rx = bytes.subarray(RING_HEADER, RING_HEADER + rxSize);
    this.tx = bytes.subarray(RING_HEADER + rxSize, RING_HEADER + rxSize + txSize);
  }

  /** Reads header word `offset` (an unsigned 32-bit counter). */
  get(offset: number): number {
    return this.#header.getUint32(offset, true);
  }

  /** Writes header word `offset`, modulo 2^32. */
  set(offset: number, value: number): void {
    this.#header.setUint32(offset, value >>> 0, true);
  }

  /** How many bytes lie between counters `write` and `read` (modulo 2^32). */
  static distance(write: number, read: number): number {
    return (write - read) >>> 0;
  }
}

/**
 * Copies `length` bytes starting at counter `at` out of `ring` into `target` at `offset` (wrapping at the ring's end).
 */
export function copyOut(ring: Uint8Array, at: number, target: Uint8Array, offset: number, length: number): void {
  const start = at % ring.length;
  const first = Math.min(length, ring.length - start);
  target.set(ring.subarray(start, start + first), offset);
  if (first < length) target.set(ring.subarray(0, length - first), offset + first);
}

/** Copies `length` bytes of `source` from `offset` into `ring` at counter `at` (wrapping at the ring's end). */
export function copyIn(ring: Uint8Array, at: number, source: Uint8Array, offset: number, length: number): void {
  const start = at % ring.length;
  const first = Math.min(length, ring.length - start);
  ring.set(source.subarray(offset, offset + first), start);
  if (first < length) ring.set(source.subarray(offset + first, offset + length), 0);
}
