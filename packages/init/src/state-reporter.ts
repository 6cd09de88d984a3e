import { type ChildSession, ENV_PD_SESSION_ID, type Env, Reporter } from '@os/runtime';
import type { Alarms } from './alarms.js';
import type { RunningChild } from './child.js';
import type { DeferredWork } from './deferred-work.js';
import type { InitConfig } from './model.js';
import { type ChildState, type StateSnapshot, StateReportRenderer } from './state-report.js';

/** What the state reporter needs of the sandbox. */
export interface StateReporterHost {
  /** The config applied last. */
  config(): InitConfig | null;
  /** The running children, by name. */
  children(): Iterable<[string, RunningChild]>;
}

/** The state report alarm's name. */
const REPORT = 'report';

/**
 * The child's PD session, one of its environment sessions (Genode's `Parent::Env::pd()`, id 1): init opened it at core
 * on the child's behalf with what the start entry lends, and the report lists it like any other. A component's threads
 * are made with its PD and its binary is loaded by core, so there are no CPU and binary ROM sessions to list.
 */
function envPdSession(name: string, running: RunningChild): ChildSession {
  return {
    id: ENV_PD_SESSION_ID,
    service: 'PD',
    label: name,
    serverLabel: name,
    state: 'OK',
    ram: running.assigned.ram,
    caps: running.assigned.caps,
    args: `ram_quota=${running.assigned.ram}, cap_quota=${running.assigned.caps}, label="${name}"`,
  };
}

/**
 * init's state report (Genode's sandbox `state_reporter.h`): a change schedules a report, at once or at most once per
 * `<report delay_ms>`, written to a Report session labelled `state` after the current activity.
 */
export class StateReporter {
  readonly #env: Env;
  readonly #alarms: Alarms;
  readonly #later: DeferredWork;
  readonly #host: StateReporterHost;
  readonly #renderer = new StateReportRenderer();
  #reporter: Reporter | null = null;
  #reportedAt = Number.NEGATIVE_INFINITY;

  /** Reports `host`'s state through `env`, timed by `alarms`, written as work of `later`. */
  constructor(env: Env, alarms: Alarms, later: DeferredWork, host: StateReporterHost) {
    this.#env = env;
    this.#alarms = alarms;
    this.#later = later;
    this.#host = host;
  }

  /** Schedules a report now or at most once per `delay_ms`; none without `<report>`. */
  changed(immediate = false): void {
    const options = this.#host.config()?.report ?? null;
    if (options === null) return;
    const now = this.#env.thread.time();
    const delayUs = immediate ? 0 : Math.max(0, this.#reportedAt + options.delayMs * 1000 - now);
    if (this.#alarms.pending(REPORT) && !immediate) return;
    this.#alarms.set(REPORT, delayUs, () => this.#later.defer(() => this.#report()));
  }

  async #report(): Promise<void> {
    const options = this.#host.config()?.report ?? null;
    if (options === null) return;
    this.#reportedAt = this.#env.thread.time();
    this.#reporter ??= await Reporter.open(this.#env, 'state');
    const snapshot = await this.snapshot(options.requested, options.provided);
    await this.#reporter.report(this.#renderer.render(snapshot, options));
  }

  /**
   * What the state report shows now, with the children's sessions only as far as asked (`withRequested`,
   * `withProvided`): listing them takes a copy of each child's sessions for every report.
   */
  async snapshot(withRequested: boolean, withProvided: boolean): Promise<StateSnapshot> {
    const config = this.#host.config();
    const own = this.#env.pd.quota();
    const children: ChildState[] = [];
    // in config order, as Genode's report lists them (a restarted child is not moved to the end)
    const order = new Map((config?.children ?? []).map((entry, index) => [entry.name, index]));
    const ordered = [...this.#host.children()].sort(
      ([a], [b]) => (order.get(a) ?? Number.MAX_SAFE_INTEGER) - (order.get(b) ?? Number.MAX_SAFE_INTEGER),
    );
    for (const [name, running] of ordered) {
      const quota = await running.pd.session.quota();
      children.push({
        name,
        binary: running.entry.binary,
        version: running.entry.version,
        id: running.id,
        incomplete: running.child.waiting,
        exited: running.exited,
        skippedHeartbeats: running.entry.heartbeat === null ? 0 : running.skipped,
        ram: {
          assigned: running.assigned.ram,
          quota: quota.ramLimit,
          used: quota.ramUsed,
          avail: quota.ramLimit - quota.ramUsed,
          requested: running.requested?.ram ?? 0,
        },
        caps: {
          assigned: running.assigned.caps,
          quota: quota.capLimit,
          used: quota.capUsed,
          avail: quota.capLimit - quota.capUsed,
          requested: running.requested?.caps ?? 0,
        },
        requested: withRequested ? [envPdSession(name, running), ...running.child.sessions()] : [],
        provided: withProvided
          ? running.child.provided().map((session) => ({
              service: session.service,
              label: session.serverLabel,
              state: session.state,
              ram: session.ram,
              caps: session.caps,
              args: session.args,
            }))
          : [],
      });
    }
    return {
      version: config?.version ?? '',
      ram: { quota: own.ramLimit, used: own.ramUsed, avail: own.ramLimit - own.ramUsed },
      caps: { quota: own.capLimit, used: own.capUsed, avail: own.capLimit - own.capUsed },
      children,
    };
  }
}
