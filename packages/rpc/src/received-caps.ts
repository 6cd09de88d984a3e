import { INVALID_SELECTOR, type KernelThread, type Message } from '@os/kernel';

/**
 * Frees the capabilities `message` brought into `thread`'s space (its `freshCaps`) that no decoded
 * value took (`taken`: bit `i` for cap slot `i`), as Genode releases what an RPC did not unmarshal:
 * else a peer fills a PD's capability space by sending caps beside a message that declares none.
 * Only fresh caps go: one the PD held before the message (its own object, one it was given) is
 * reused by the kernel's translation and stays; so does a fresh one that a taken slot names too.
 */
export function freeUntakenCaps(thread: KernelThread, message: Message, taken: number): void {
  const count = message.capCount;
  const caps = message.caps;
  const untaken = message.freshCaps & ~taken & ((1 << count) - 1);
  for (let i = 0; i < count; i++) {
    if ((untaken & (1 << i)) === 0) continue;
    const selector = caps[i] as number;
    if (selector === INVALID_SELECTOR || takenElsewhere(caps, count, taken, selector)) continue;
    // a selector twice among the untaken is freed once: the second time it is no longer valid
    if (thread.valid(selector)) thread.free(selector);
  }
}

/** Whether a taken slot of `caps` names `selector`. */
function takenElsewhere(caps: Int32Array, count: number, taken: number, selector: number): boolean {
  for (let k = 0; k < count; k++) if ((taken & (1 << k)) !== 0 && caps[k] === selector) return true;
  return false;
}
