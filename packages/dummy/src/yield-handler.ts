import { type Env, SignalHandler } from '@os/runtime';
import type { CapConsumer } from './cap-consumer.js';
import type { RamConsumer } from './ram-consumer.js';

/**
 * Answers the parent's yield requests (Genode's `Dummy::Resource_yield_handler`): on each, it releases
 * whatever the consumers hold and tells the parent it yielded.
 */
export class YieldHandler {
  readonly #handler: SignalHandler;

  private constructor(handler: SignalHandler) {
    this.#handler = handler;
  }

  /** Registers with `env`'s parent for yield requests (Parent::yield_sigh). */
  static async register(env: Env, ram: RamConsumer, caps: CapConsumer): Promise<YieldHandler> {
    const handler = new SignalHandler(env.ep, async () => {
      await env.log('got yield request');
      await ram.release();
      await caps.release();
      await env.parent.yieldResponse();
    });
    await env.parent.yieldSigh(handler.capability);
    return new YieldHandler(handler);
  }

  /** Dissolves the signal context: later yield requests reach nobody. */
  dispose(): void {
    this.#handler.dispose();
  }
}
