import type { DataspaceCapability, Env } from '@os/runtime';
import { ConsumeError } from './consume-error.js';
import { numberOfBytes } from './genode-text.js';

/** Holds one RAM dataspace of the size `<consume_ram amount>` asks for (Genode's `Dummy::Ram_consumer`). */
export class RamConsumer {
  readonly #env: Env;
  #held: { readonly dataspace: DataspaceCapability; readonly bytes: number } | null = null;

  /** A consumer charging `env`'s RAM quota. */
  constructor(env: Env) {
    this.#env = env;
  }

  /** Frees the dataspace held, if any (`release <n> bytes of memory`). */
  async release(): Promise<void> {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    await this.#env.log(`release ${numberOfBytes(held.bytes)} bytes of memory`);
    this.#env.ram.free(held.dataspace);
  }

  /**
   * Releases what is held, then allocates `bytes` (`consume <n> bytes of memory`). Past the quota it asks its parent
   * for the RAM and waits until it is there, as Genode's dummy does through its expanding PD session; a failure other
   * than the quota is a {@link ConsumeError}.
   */
  async consume(bytes: number): Promise<void> {
    await this.release();
    await this.#env.log(`consume ${numberOfBytes(bytes)} bytes of memory`);
    try {
      this.#held = { dataspace: await this.#env.ram.allocExpanding(bytes), bytes };
    } catch (error) {
      throw new ConsumeError('ram', bytes, 0, error);
    }
  }
}
