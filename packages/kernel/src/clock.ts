/** A timer armed on a clock; cancel it with {@link Clock.cancel}. */
export interface ClockTimer {
  /** When it fires, in microseconds on its clock. */
  readonly at: number;
}

/**
 * Where a system's time comes from: real (the host's monotonic clock) or virtual (an event queue whose
 * time jumps to the next event once the system has nothing else to do). Kernels program their timeouts
 * on it; nothing else in a system reads the host's time.
 */
export interface Clock {
  /** Whether this clock is virtual. */
  readonly virtual: boolean;
  /** Microseconds since the clock started. */
  now(): number;
  /** Runs `fire` once the clock reaches `at` (microseconds); at once-but-asynchronously if `at` has passed. */
  schedule(at: number, fire: () => void): ClockTimer;
  /** Cancels a timer that has not fired; does nothing otherwise. */
  cancel(timer: ClockTimer): void;
}
