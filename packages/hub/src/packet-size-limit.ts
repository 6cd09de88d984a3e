import { Transform, type TransformCallback } from 'node:stream';
import { MAX_PACKET_BYTES } from './message-limits.js';

/**
 * Passes an MQTT byte stream through unchanged while reading each packet's fixed header, and fails the stream as
 * soon as a packet announces more than `limit` bytes: aedes' parser would buffer any length a client announces,
 * even before CONNECT is authenticated.
 */
export class PacketSizeLimit extends Transform {
  readonly #limit: number;
  /** Bytes of the current packet's body still to pass, or -1 while reading a fixed header. */
  #remaining = -1;
  #headerBytes = 0;
  #length = 0;
  #multiplier = 1;

  constructor(limit: number = MAX_PACKET_BYTES) {
    super();
    this.#limit = limit;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#remaining > 0) {
        const skip = Math.min(this.#remaining, chunk.length - at);
        this.#remaining -= skip;
        at += skip;
        if (this.#remaining === 0) this.#remaining = -1;
        continue;
      }
      const byte = chunk[at++] ?? 0;
      if (this.#headerBytes++ === 0) continue; // the packet type and flags
      this.#length += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      if (this.#length > this.#limit || this.#headerBytes > 5) {
        done(new RangeError(`an MQTT packet of more than ${this.#limit} bytes`));
        return;
      }
      if ((byte & 0x80) === 0) {
        this.#remaining = this.#length === 0 ? -1 : this.#length;
        this.#headerBytes = 0;
        this.#length = 0;
        this.#multiplier = 1;
      }
    }
    done(null, chunk);
  }
}
