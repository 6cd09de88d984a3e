import type { Capability } from '@os/capability';
import { QuotaExceededError, hasErrorCode } from '@os/kernel';
import type { ServerOf } from '@os/rpc';
import { RpcObject } from '@os/rpc';
import type { Env } from '@os/runtime';
import { InsufficientCapQuota, Root, ServiceDenied, SessionArgs } from '@os/session';
import { Timer } from '@os/timer';
import { LogSessionComponent } from './log-session-component.js';

/** How dummy's LOG service behaves: `<log_service verbose delay_close_ms>`. */
export interface LogServiceOptions {
  /** Log `opening session with label <l>` and `closing session with label <l>`. Default false. */
  readonly verbose?: boolean;
  /** Milliseconds each close is delayed by, on a Timer session of the server's own. Default 0. */
  readonly delayCloseMs?: number;
}

/** Capabilities a session of the service costs: its RPC object. */
const SESSION_CAPS = 1;

/**
 * The root of dummy's LOG service (Genode's `Dummy::Log_service::Root`): every session prints its
 * client's lines to the server's own LOG as `[<label>] <text>`, so a client `c` of a server `s` in
 * init shows up as `[init -> s] [c] text`. Each session object is paid by the client's donation.
 */
export class LogServiceRoot extends RpcObject<typeof Root> implements ServerOf<typeof Root> {
  readonly #env: Env;
  readonly #verbose: boolean;
  readonly #delayCloseMs: number;
  readonly #timer: Timer.Connection | null;
  readonly #sessions = new Map<number, LogSessionComponent>();

  private constructor(env: Env, options: LogServiceOptions, timer: Timer.Connection | null) {
    super(Root);
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

  /** Opens a session printing with the request's label (Root::session); it needs 1 capability. */
  async session(argsText: string): Promise<Capability> {
    let args: SessionArgs;
    try {
      args = SessionArgs.parse(argsText);
    } catch (error) {
      throw new ServiceDenied(`LOG: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (args.number('cap_quota', 0) < SESSION_CAPS)
      throw new InsufficientCapQuota(`a LOG session needs ${SESSION_CAPS} capability`);
    const label = args.string('label');
    const session = new LogSessionComponent(label, (line) => this.#env.log(line));
    let capability: Capability;
    try {
      capability = this.#env.ep.manage(session);
    } catch (error) {
      if (hasErrorCode<QuotaExceededError>(error, QuotaExceededError.code))
        throw new InsufficientCapQuota(`a LOG session needs ${SESSION_CAPS} capability: ${error.message}`);
      throw error;
    }
    this.#sessions.set(capability.rawSelector, session);
    if (this.#verbose) await this.#env.log(`opening session with label ${label}`);
    return capability;
  }

  /** Notes a donation that reached the server (`received session quota upgrade`, Root::upgrade). */
  async upgrade(capability: Capability, argsText: string): Promise<void> {
    if (!this.#sessions.has(capability.rawSelector)) return;
    let ram: number;
    try {
      ram = SessionArgs.parse(argsText).number('ram_quota', 0);
    } catch {
      return;
    }
    const quota = this.#env.pd.quota();
    if (quota.ramLimit - quota.ramUsed >= ram) await this.#env.log('received session quota upgrade');
  }

  /** Closes a session, after `delay close by <n> ms` or `close session without delay` (Root::close). */
  async close(capability: Capability): Promise<void> {
    const session = this.#sessions.get(capability.rawSelector);
    if (session === undefined) return;
    if (this.#timer !== null) {
      await this.#env.log(`delay close by ${this.#delayCloseMs} ms`);
      await this.#timer.msleep(this.#delayCloseMs);
    } else {
      await this.#env.log('close session without delay');
    }
    this.#sessions.delete(capability.rawSelector);
    this.#env.ep.dissolve(session);
    if (this.#verbose) await this.#env.log(`closing session with label ${session.label}`);
  }

  /** Dissolves every session and closes the Timer session: for a root no longer served. */
  async destroy(): Promise<void> {
    for (const session of this.#sessions.values()) this.#env.ep.dissolve(session);
    this.#sessions.clear();
    await this.#timer?.close();
  }
}
