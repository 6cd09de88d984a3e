import type { Env } from '@os/runtime';
import { RpcObject, defineInterface } from '@os/rpc';
import { ConsumeError } from './consume-error.js';

/** The most RPC objects `<consume_caps>` creates, as Genode's dummy (`Cap_consumer::MAX`). */
export const CAP_CONSUMER_MAX = 100;

const ConsumedCapInterface = defineInterface('DummyConsumedCap', {});

/** An RPC object with no methods: it exists to hold one capability of the quota. */
class ConsumedCap extends RpcObject<typeof ConsumedCapInterface> {
  constructor() {
    super(ConsumedCapInterface);
  }
}

/**
 * Holds capabilities by managing RPC objects on the entrypoint (Genode's `Dummy::Cap_consumer`):
 * each costs one capability of the component's quota until it is dissolved.
 */
export class CapConsumer {
  readonly #env: Env;
  #objects: ConsumedCap[] = [];
  #amount = 0;

  /** A consumer managing its objects on `env`'s entrypoint. */
  constructor(env: Env) {
    this.#env = env;
  }

  /** Dissolves the objects held, if any (`release <n> caps`). */
  async release(): Promise<void> {
    if (this.#amount === 0) return;
    await this.#env.log(`release ${this.#amount} caps`);
    for (const object of this.#objects) this.#env.ep.dissolve(object);
    this.#objects = [];
    this.#amount = 0;
  }

  /**
   * Releases what is held, then manages `amount` objects (at most {@link CAP_CONSUMER_MAX}) (`consume
   * <n> caps`). Past the quota it asks its parent for capabilities and waits until they are there, as Genode's dummy
   * does through its expanding PD session; a failure other than the quota keeps those it got and throws a
   * {@link ConsumeError}.
   */
  async consume(amount: number): Promise<void> {
    await this.release();
    await this.#env.log(`consume ${amount} caps`);
    const count = Math.min(amount, CAP_CONSUMER_MAX);
    for (let i = 0; i < count; i++) {
      const object = new ConsumedCap();
      try {
        await this.#env.expand(() => this.#env.ep.manage(object));
      } catch (error) {
        this.#amount = this.#objects.length;
        throw new ConsumeError('caps', amount, this.#objects.length, error);
      }
      this.#objects.push(object);
    }
    this.#amount = amount;
  }
}
