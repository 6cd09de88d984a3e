import { TimerConnection } from './timer-connection.js';
import { TimerSession } from './timer-session.js';

export {
  TimerSession,
  InvalidDuration,
  TIMER_MIN_ONE_SHOT_US,
  TIMER_MIN_PERIOD_US,
  TIMER_MAX_DURATION_US,
} from './timer-session.js';
export {
  TimerConnection,
  TimerModeError,
  TIMER_SESSION_RAM,
  TIMER_SESSION_CAPS,
  type TimerEnv,
} from './timer-connection.js';
export { timerDriver, construct } from './timer-driver.js';
export { TimeoutScheduler } from './timeout-scheduler.js';
export { type BackoffPolicy, backoffDelayMs } from './backoff.js';

/** Genode's Timer: `Timer.Connection` for clients, `Timer.Session` the interface. */
export namespace Timer {
  /** A connection to a Timer service. */
  export type Connection = TimerConnection;
  /** A connection to a Timer service. */
  export const Connection = TimerConnection;
  /** The Timer session interface. */
  export const Session = TimerSession;
}
