import type { Capability } from '@os/capability';
import { RpcObject, type ServerOf } from '@os/rpc';
import { type Env, RootComponent, type SessionCost, SignalHandler, type SignalContextCapability } from '@os/runtime';
import { TIMER_SESSION_CAPS, TIMER_SESSION_RAM } from './timer-connection.js';
import {
  InvalidDuration,
  TIMER_MAX_DURATION_US,
  TIMER_MIN_ONE_SHOT_US,
  TIMER_MIN_PERIOD_US,
  TimerSession,
} from './timer-session.js';

/** A trigger deadline of one session. */
interface Deadline {
  /** When it passes, in the thread's time (microseconds). */
  at: number;
  /** The period in microseconds; 0 for a one-shot trigger. */
  period: number;
}

/** One client's timer: its handler, its trigger, its start time. */
class TimerSessionObject extends RpcObject<typeof TimerSession> implements ServerOf<typeof TimerSession> {
  /** The signal context triggers go to; none until the client calls `sigh`. */
  handler: SignalContextCapability | null = null;
  /** The pending trigger, if any. */
  deadline: Deadline | null = null;
  readonly #start: number;

  constructor(
    /** The driver that multiplexes this session's trigger. */
    private readonly driver: TimerDriver,
  ) {
    super(TimerSession);
    this.#start = driver.now();
  }

  /**
   * Signals the client's handler once, `us` microseconds from now but at least
   * {@link TIMER_MIN_ONE_SHOT_US} (250), replacing any pending trigger (Timer::Session::trigger_once).
   */
  triggerOnce(us: number): void {
    this.deadline = {
      at: this.driver.now() + Math.max(TimerDriver.checkDuration(us), TIMER_MIN_ONE_SHOT_US),
      period: 0,
    };
    this.driver.reprogram();
  }

  /**
   * Signals the client's handler every `us` microseconds but at most every
   * {@link TIMER_MIN_PERIOD_US} (1000); 0 stops it (Timer::Session::trigger_periodic).
   */
  triggerPeriodic(us: number): void {
    const period = TimerDriver.checkDuration(us);
    this.deadline =
      period === 0
        ? null
        : {
            at: this.driver.now() + Math.max(period, TIMER_MIN_PERIOD_US),
            period: Math.max(period, TIMER_MIN_PERIOD_US),
          };
    this.driver.reprogram();
  }

  /** Sets the signal context triggers go to; an invalid capability unsets it (Timer::Session::sigh). */
  sigh(handler: Capability): void {
    this.handler = handler.valid() ? handler.cast() : null;
  }

  /** Milliseconds since the client opened the session (Timer::Session::elapsed_ms). */
  elapsedMs(): number {
    return Math.floor((this.driver.now() - this.#start) / 1000);
  }

  /** Microseconds since the client opened the session (Timer::Session::elapsed_us). */
  elapsedUs(): number {
    return this.driver.now() - this.#start;
  }
}

/**
 * The timer driver: multiplexes every session's trigger onto the kernel's one timeout per thread
 * (base-hw's `Kernel::timeout`), and signals each session's handler when its deadline passes.
 */
class TimerDriver extends RootComponent<TimerSessionObject> {
  readonly #tick: SignalHandler;
  #armedFor: number | null = null;

  constructor(
    /** The driver component's environment: its entrypoint serves the sessions. */
    private readonly env: Env,
  ) {
    super({ service: 'Timer', ep: env.ep });
    this.#tick = new SignalHandler(env.ep, () => this.#expired());
  }

  /**
   * A duration in microseconds, checked: a client may not make the driver compute garbage ({@link InvalidDuration}).
   */
  static checkDuration(us: number): number {
    if (!Number.isFinite(us) || us < 0 || us > TIMER_MAX_DURATION_US)
      throw new InvalidDuration(`timer duration must be 0 to ${TIMER_MAX_DURATION_US} us, got ${us}`);
    return Math.floor(us);
  }

  /** The current time of the driver's thread, in microseconds. */
  now(): number {
    return this.env.thread.time();
  }

  /** What a Timer session costs: {@link TIMER_SESSION_RAM} bytes and {@link TIMER_SESSION_CAPS} capabilities. */
  protected override sessionCost(): SessionCost {
    return { ram: TIMER_SESSION_RAM, caps: TIMER_SESSION_CAPS };
  }

  /** Opens a Timer session (Root::session). */
  protected override createSession(): TimerSessionObject {
    return new TimerSessionObject(this);
  }

  /** Drops a closed session's pending trigger (Root::close). */
  protected override destroySession(): void {
    this.reprogram();
  }

  /** Arms the kernel timeout for the earliest deadline of any session. */
  reprogram(): void {
    let earliest: number | null = null;
    for (const session of this.sessions()) {
      const at = session.deadline?.at;
      if (at !== undefined && (earliest === null || at < earliest)) earliest = at;
    }
    if (earliest === null || earliest === this.#armedFor) return;
    this.#armedFor = earliest;
    this.env.thread.timeout(Math.max(0, earliest - this.now()), this.#tick.capability.selector);
  }

  #expired(): void {
    this.#armedFor = null;
    const now = this.now();
    for (const session of this.sessions()) {
      const deadline = session.deadline;
      if (deadline === null || deadline.at > now) continue;
      if (session.handler !== null) this.env.thread.submitSignal(session.handler.selector);
      session.deadline = deadline.period > 0 ? { at: deadline.at + deadline.period, period: deadline.period } : null;
    }
    this.reprogram();
  }
}

/** The timer driver component (binary `timer`): announces the Timer service to its parent. */
export async function construct(env: Env): Promise<void> {
  await new TimerDriver(env).announce(env);
}

/** The timer driver as a component module, for binary tables. */
export const timerDriver = { construct };
