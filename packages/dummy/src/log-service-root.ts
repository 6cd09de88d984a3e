import { type Env, RootComponent, type SessionCost } from '@os/runtime';
import type { SessionArgs, SessionLabel } from '@os/session';
import { Timer } from '@os/timer';
import { LogSessionComponent } from './log-session-component.js';

/** How dummy's LOG service behaves: `<log_service verbose delay_close_ms>`. */
export interface LogServiceOptions {
  /** Log `opening session with label <l>` and `closing session with label <l>`. Default false. */
  readonly verbose?: boolean;
  /** Milliseconds each close is delayed by, on a Timer session of the server's own. Default 0. */
  readonly delayCloseMs?: number;
}

/**
 * The root of dummy's LOG service (Genode's `Dummy::Log_service::Root`): every session prints its
 * client's lines to the server's own LOG as `[<label>] <text>`, so a client `c` of a server `s` in
 * init shows up as `[init -> s] [c] text`. A session costs its session object's capability, paid by
 * the client's donation.
 */
export class LogServiceRoot extends RootComponent<LogSessionComponent> {
  readonly #env: Env;
  readonly #verbose: boolean;
  readonly #delayCloseMs: number;
  readonly #timer: Timer.Connection | null;
  #destroying = false;

  private constructor(env: Env, options: LogServiceOptions, timer: Timer.Connection | null) {
    super({ service: 'LOG', ep: env.ep });
    this.#env = env;
    this.#verbose = options.verbose ?? false;
    this.#delayCloseMs = options.delayCloseMs ?? 0;
    this.#timer = timer;
  }

  /** A root serving from `env`; with `delayCloseMs` it opens a Timer session first. */
  static async create(env: Env, options: LogServiceOptions = {}): Promise<LogServiceRoot> {
    const timer = (options.delayCloseMs ?? 0) > 0 ? await Timer.Connection.open(env) : null;
    return new LogServiceRoot(env, options, timer);
  }

  /** Opens a session printing with the request's label (Root::session). */
  protected override async createSession(_args: SessionArgs, label: SessionLabel): Promise<LogSessionComponent> {
    const session = new LogSessionComponent(label.text, (line) => this.#env.log(line));
    if (this.#verbose) await this.#env.log(`opening session with label ${label.text}`);
    return session;
  }

  /** Notes a donation that reached the server (`received session quota upgrade`, Root::upgrade). */
  protected override async upgradeSession(
    _session: LogSessionComponent,
    _args: SessionArgs,
    added: SessionCost,
  ): Promise<void> {
    const quota = this.#env.pd.quota();
    if (quota.ramLimit - quota.ramUsed >= added.ram) await this.#env.log('received session quota upgrade');
  }

  /** Closes a session, after `delay close by <n> ms` or `close session without delay` (Root::close). */
  protected override async destroySession(session: LogSessionComponent): Promise<void> {
    if (this.#destroying) return;
    if (this.#timer !== null) {
      await this.#env.log(`delay close by ${this.#delayCloseMs} ms`);
      await this.#timer.msleep(this.#delayCloseMs);
    } else {
      await this.#env.log('close session without delay');
    }
    if (this.#verbose) await this.#env.log(`closing session with label ${session.label}`);
  }

  /**
   * Dissolves every session (without the close's delay and lines) and closes the Timer session: for a root no longer
   * served.
   */
  async destroy(): Promise<void> {
    this.#destroying = true;
    await this.closeAll();
    await this.#timer?.close();
  }
}
