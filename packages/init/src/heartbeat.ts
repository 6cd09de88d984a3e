import type { Alarms } from './alarms.js';
import type { RunningChild } from './child.js';

/** What the heartbeat monitor needs of the sandbox. */
export interface HeartbeatHost {
  /** The running children, by name. */
  children(): Iterable<[string, RunningChild]>;
  /** A child's skipped count changed: the state report is due. */
  changed(): void;
  /** Restarts child `name` (after the current activity). */
  restart(name: string): void;
  /** Logs a line after the current activity. */
  log(text: string): void;
}

/** The heartbeat alarm's name. */
const HEARTBEAT = 'heartbeat';

/**
 * init's heartbeat monitor (Genode's sandbox `heartbeat.h`): at `<heartbeat rate_ms>` it signals every child whose
 * start entry has `<heartbeat>`, counts the heartbeats each left unanswered, and restarts one that skipped more than
 * its `restart_after_skipped`.
 */
export class Heartbeat {
  readonly #alarms: Alarms;
  readonly #host: HeartbeatHost;
  #rateMs = 0;

  /** Monitors `host`'s children on `alarms`. */
  constructor(alarms: Alarms, host: HeartbeatHost) {
    this.#alarms = alarms;
    this.#host = host;
  }

  /** Pings the monitored children at `rateMs` from now on; 0 stops. */
  apply(rateMs: number): void {
    if (rateMs === this.#rateMs) return;
    this.#rateMs = rateMs;
    this.#alarms.clear(HEARTBEAT);
    if (rateMs > 0) this.#alarms.set(HEARTBEAT, rateMs * 1000, () => this.#beat());
  }

  #beat(): void {
    if (this.#rateMs === 0) return;
    this.#alarms.set(HEARTBEAT, this.#rateMs * 1000, () => this.#beat());
    for (const [name, running] of this.#host.children()) {
      const monitor = running.entry.heartbeat;
      if (monitor === null || running.exited !== null) continue;
      running.child.heartbeat();
      const skipped = running.child.skippedHeartbeats;
      if (skipped === running.skipped) continue;
      running.skipped = skipped;
      this.#host.changed();
      if (monitor.restartAfterSkipped > 0 && skipped > monitor.restartAfterSkipped) {
        this.#host.log(`child "${name}" skipped ${skipped} heartbeats: restarting it`);
        this.#host.restart(name);
      }
    }
  }
}
