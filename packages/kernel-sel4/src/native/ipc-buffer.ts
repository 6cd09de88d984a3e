import { Sel4Constants } from './constants.js';

const MRS = Sel4Constants.seL4_MsgMaxLength;

/**
 * A thread's IPC buffer (`seL4_IPCBuffer`): 120 message registers of 64 bits, the extra-capability
 * CPtrs (on send) or badges (on receive), and the receive path for an incoming capability.
 */
export class IpcBuffer {
  /** The message registers as 32-bit halves, little-endian: MR i is `words[2i]` (low) and `words[2i+1]` (high). */
  readonly words = new Int32Array(MRS * 2);
  /** The message registers' bytes (the seam adapter packs its payload here). */
  readonly bytes = new Uint8Array(this.words.buffer);
  /** `caps_or_badges`: CPtrs of the extra caps to send; after a receive, badges of unwrapped caps. */
  readonly capsOrBadges: number[] = [0, 0, 0];
  /** CPtr (in the thread's CSpace) of the CNode a received capability goes into. */
  receiveCNode = 0;
  /** Index in that CNode of the receive slot. */
  receiveIndex = 0;
  /** Bits of `receiveIndex` to resolve; 0 means the CNode itself is the slot's root (the path is unset). */
  receiveDepth = 0;

  /** Sets message register `i` (`seL4_SetMR`); `value` is a word (a non-negative safe integer). */
  setMR(i: number, value: number): void {
    const words = this.words;
    if (value <= 0x7fffffff && value >= 0) {
      words[2 * i] = value;
      words[2 * i + 1] = 0;
    } else {
      words[2 * i] = value % 2 ** 32;
      words[2 * i + 1] = Math.floor(value / 2 ** 32);
    }
  }

  /** Message register `i` (`seL4_GetMR`). */
  getMR(i: number): number {
    const high = this.words[2 * i + 1] as number;
    const low = (this.words[2 * i] as number) >>> 0;
    return high === 0 ? low : (high >>> 0) * 2 ** 32 + low;
  }

  /** Sets the CPtr of extra cap `i` to send (`seL4_SetCap`). */
  setCap(i: number, cptr: number): void {
    this.capsOrBadges[i] = cptr;
  }

  /** The badge of unwrapped extra cap `i` after a receive (`seL4_GetBadge`). */
  getBadge(i: number): number {
    return this.capsOrBadges[i] ?? 0;
  }

  /** Where a received capability goes (`seL4_SetCapReceivePath`). */
  setCapReceivePath(receiveCNode: number, receiveIndex: number, receiveDepth: number): void {
    this.receiveCNode = receiveCNode;
    this.receiveIndex = receiveIndex;
    this.receiveDepth = receiveDepth;
  }
}
