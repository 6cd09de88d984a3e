import type { Clock, ClockTimer } from './clock.js';

interface VirtualTimer extends ClockTimer {
  /** Orders timers due at the same instant: drawn from the seeded generator. */
  readonly order: number;
  /** Orders timers with equal `order` by arming sequence. */
  readonly sequence: number;
  fire: (() => void) | null;
}

/** A small seeded generator (mulberry32): one seed, one sequence, on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function earlier(a: VirtualTimer, b: VirtualTimer): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.order !== b.order) return a.order < b.order;
  return a.sequence < b.sequence;
}

/**
 * Virtual time: timers sit in a queue and the clock jumps from one to the next when told to `advance`
 * (the system's driver does so whenever nothing else can run), so a system's hour passes in
 * milliseconds. Timers due at the same instant fire in an order drawn from `seed`: one seed, one run.
 */
export class VirtualClock implements Clock {
  /** Always true: time moves only when told to. */
  readonly virtual = true;
  /** The generator every random choice of the system draws from. */
  readonly random: () => number;
  #now = 0;
  #sequence = 0;
  readonly #heap: VirtualTimer[] = [];

  /** Creates a clock at time 0 whose same-instant order follows `seed`. */
  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  /** The current virtual time in microseconds. */
  now(): number {
    return this.#now;
  }

  /** Arms a timer at `at` (not before now). */
  schedule(at: number, fire: () => void): ClockTimer {
    const timer: VirtualTimer = { at: Math.max(at, this.#now), order: this.random(), sequence: this.#sequence++, fire };
    this.#push(timer);
    return timer;
  }

  /** Cancels a timer; a cancelled timer is dropped when it reaches the front. */
  cancel(timer: ClockTimer): void {
    (timer as VirtualTimer).fire = null;
  }

  /** When the next live timer is due, or `null` if none is armed. */
  nextDue(): number | null {
    this.#dropCancelled();
    return this.#heap[0]?.at ?? null;
  }

  /** Jumps to the next timer and fires every timer due at that instant; returns false if none is armed. */
  advance(): boolean {
    this.#dropCancelled();
    const first = this.#heap[0];
    if (first === undefined) return false;
    this.#now = first.at;
    while (this.#heap.length > 0 && (this.#heap[0] as VirtualTimer).at === this.#now) {
      const timer = this.#pop();
      const fire = timer.fire;
      timer.fire = null;
      fire?.();
    }
    return true;
  }

  #dropCancelled(): void {
    while (this.#heap.length > 0 && (this.#heap[0] as VirtualTimer).fire === null) this.#pop();
  }

  #push(timer: VirtualTimer): void {
    const heap = this.#heap;
    heap.push(timer);
    let at = heap.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!earlier(heap[at] as VirtualTimer, heap[parent] as VirtualTimer)) break;
      [heap[at], heap[parent]] = [heap[parent] as VirtualTimer, heap[at] as VirtualTimer];
      at = parent;
    }
  }

  #pop(): VirtualTimer {
    const heap = this.#heap;
    const top = heap[0] as VirtualTimer;
    const last = heap.pop() as VirtualTimer;
    if (heap.length > 0) {
      heap[0] = last;
      let at = 0;
      for (;;) {
        const left = at * 2 + 1;
        const right = left + 1;
        let smallest = at;
        if (left < heap.length && earlier(heap[left] as VirtualTimer, heap[smallest] as VirtualTimer)) smallest = left;
        if (right < heap.length && earlier(heap[right] as VirtualTimer, heap[smallest] as VirtualTimer))
          smallest = right;
        if (smallest === at) break;
        [heap[at], heap[smallest]] = [heap[smallest] as VirtualTimer, heap[at] as VirtualTimer];
        at = smallest;
      }
    }
    return top;
  }
}
