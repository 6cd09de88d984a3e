import { AttachedRomDataspace, type Env, SignalHandler } from '@os/runtime';
import { Timer } from '@os/timer';

/** Logs a tick a second, `ticks` times, then asks its parent to end it with 0. */
class Main {
  #count = 0;

  constructor(
    private readonly env: Env,
    private readonly timer: Timer.Connection,
    private readonly ticks: number,
  ) {}

  async start(): Promise<void> {
    await this.timer.sigh(new SignalHandler(this.env.ep, () => this.#tick()));
    await this.timer.triggerPeriodic(1_000_000);
  }

  async #tick(): Promise<void> {
    if (this.#count >= this.ticks) return;
    await this.env.log(`timer tick ${++this.#count}`);
    if (this.#count === this.ticks) await this.env.parent.exit(0);
  }
}

/** Ticks when the config says nothing else. */
export const DEFAULT_TICKS = 5;

/**
 * The component, as the seed writes it. Its "config" ROM may raise the count:
 * `<config ticks="3600"/>`; five by default.
 */
export async function construct(env: Env): Promise<void> {
  const config = await AttachedRomDataspace.open(env, 'config');
  const ticks = config.xml().numberAttribute('ticks', DEFAULT_TICKS);
  await config.close();
  const main = new Main(env, await Timer.Connection.open(env), ticks);
  await main.start();
}

/** The component as a module, for binary tables. */
export const helloTimer = { construct };
