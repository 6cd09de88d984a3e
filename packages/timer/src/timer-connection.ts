import type { Capability } from '@os/capability';
import { errorCode } from '@os/kernel';
import { Connection, type SessionArgs, type SessionEnv, requestSession } from '@os/session';
import type { BlockingSignal, SignalHandler } from '@os/runtime';
import { TimerSession } from './timer-session.js';

/** RAM a timer session costs its client (Genode's timer asks for about 10 KiB). */
export const TIMER_SESSION_RAM = 8 * 1024;
/** Capabilities a timer session costs its client. */
export const TIMER_SESSION_CAPS = 2;

/** `msleep` was used on a connection whose signals go to a handler of the component. */
export class TimerModeError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_TIMER_MODE`: compare it, not the class, to recognise an error from another
   * copy of this package.
   */
  readonly code: string;

  /** The code of this class's errors (`TimerModeError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error. */
  constructor() {
    super('msleep/usleep on a Timer.Connection whose sigh() is set: use a second Timer.Connection for sleeping');
    this.name = 'TimerModeError';
    this.code = errorCode(new.target.name);
  }
}

/** What a timer connection needs of the component's environment. */
export interface TimerEnv extends SessionEnv {
  /** A signal to wait on while the entrypoint stays blocked. */
  blockingSignal(): BlockingSignal;
}

/**
 * A connection to a Timer service (Genode's `Timer::Connection`): the session's methods, plus `msleep`
 * and `usleep`, which block the component's entrypoint for that long on the system's clock.
 */
export class TimerConnection extends Connection<typeof TimerSession> {
  readonly #env: TimerEnv;
  #handlerSet = false;
  #sleep: BlockingSignal | null = null;

  private constructor(env: TimerEnv, id: number, capability: Capability, args: SessionArgs) {
    super(env, TimerSession, id, capability, args);
    this.#env = env;
  }

  /** Opens a Timer session labelled `label`. */
  static async open(env: TimerEnv, label = ''): Promise<TimerConnection> {
    const { id, capability, args } = await requestSession(env, {
      service: 'Timer',
      label,
      ram: TIMER_SESSION_RAM,
      caps: TIMER_SESSION_CAPS,
    });
    return new TimerConnection(env, id, capability, args);
  }

  /** Fires the handler once, `us` microseconds from now (replacing any pending trigger). */
  async triggerOnce(us: number): Promise<void> {
    await this.session.triggerOnce(us);
  }

  /** Fires the handler every `us` microseconds. */
  async triggerPeriodic(us: number): Promise<void> {
    await this.session.triggerPeriodic(us);
  }

  /** Sets the handler the triggers signal. */
  async sigh(handler: SignalHandler): Promise<void> {
    this.#handlerSet = true;
    await this.session.sigh(handler.capability);
  }

  /** Milliseconds since the session was opened. */
  async elapsedMs(): Promise<number> {
    return this.session.elapsedMs();
  }

  /** Microseconds since the session was opened. */
  async elapsedUs(): Promise<number> {
    return this.session.elapsedUs();
  }

  /** Blocks the component for `ms` milliseconds. */
  async msleep(ms: number): Promise<void> {
    await this.usleep(ms * 1000);
  }

  /** Blocks the component for `us` microseconds: its entrypoint serves nothing meanwhile. */
  async usleep(us: number): Promise<void> {
    if (this.#handlerSet) throw new TimerModeError();
    if (this.#sleep === null) {
      this.#sleep = this.#env.blockingSignal();
      await this.session.sigh(this.#sleep.capability);
    }
    await this.session.triggerOnce(us);
    await this.#sleep.wait();
  }
}
