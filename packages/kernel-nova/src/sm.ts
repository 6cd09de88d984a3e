import type { ClockTimer } from '@os/kernel';
import { Kobject, KobjectType } from './kobject.js';
import type { NovaEc } from './ec.js';
import type { NovaPd } from './pd.js';
import type { Status } from './status.js';

/** Semaphore operations of `sm_ctrl`, with base-nova's values. */
export const SmOp = {
  /** Count up, or wake the first waiter (a signal: submit). */
  UP: 0,
  /** Count down, or block until an up (or the deadline). */
  DOWN: 1,
  /** Like DOWN, but take the whole count at once. */
  DOWNZERO: 3,
} as const;

/** One of the {@link (SmOp:variable)} values. */
export type SmOp = (typeof SmOp)[keyof typeof SmOp];

/** What a `down` that had to block resolves to. */
export interface SmResult {
  /** SUCCESS, COM_TIM (the deadline passed) or BAD_CAP (the semaphore was destroyed). */
  readonly status: Status;
  /** For a semaphore signals are chained to: the value of the signal taken. */
  readonly value: number;
  /** How often that signal was submitted since it was last taken. */
  readonly count: number;
}

/** An EC blocked in `down`. */
export interface SmWaiter {
  /** The EC waiting. */
  readonly ec: NovaEc;
  /** Wakes it. */
  readonly resolve: (result: SmResult) => void;
  /** Its deadline's timer, if it has one. */
  timer: ClockTimer | null;
}

/**
 * A semaphore. Created chained to another semaphore it is a signal (NOVA's `Si`): each `up`
 * counts the signal and wakes (or counts up) the semaphore it is chained to, once per delivery,
 * so a waiter there learns the signal's value and how often it fired.
 */
export class NovaSm extends Kobject {
  /** ECs blocked in `down`, first come first served. */
  readonly waiters: SmWaiter[] = [];
  /** Signals chained to this semaphore that fired and were not taken yet, in order. */
  readonly signals: NovaSm[] = [];
  /** A signal: sits in its chained semaphore's {@link NovaSm.signals}. */
  queued = false;

  /** Creates semaphore `serial` with `counter`; a signal if `chained` is given. */
  constructor(
    serial: number,
    label: string,
    charged: NovaPd,
    /** The count (for a signal: submits since it was last taken). */
    public counter: number,
    /** For a signal: the semaphore it submits to. */
    readonly chained: NovaSm | null,
    /** For a signal: the value a waiter learns (Genode's imprint). */
    readonly value: number,
  ) {
    super(serial, KobjectType.SM, label, charged);
  }

  /** Whether it is a signal (chained to another semaphore). */
  get isSignal(): boolean {
    return this.chained !== null;
  }
}
