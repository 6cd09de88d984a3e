import { Capability } from '@os/capability';
import { type KernelThread, QuotaExceededError, type QuotaState, describeFault, hasErrorCode } from '@os/kernel';
import { type ClientOf, type ServerErrorReport, connect } from '@os/rpc';
import { Connection, Parent, type Root, ServiceDenied, type SessionEnv } from '@os/session';
import { Entrypoint } from './entrypoint.js';
import { Log } from './services.js';
import { logWrites } from './printable.js';
import { BlockingSignal } from './signal.js';
import type { WaitList } from './wait-list.js';
import type { ComponentFaults } from './component-faults.js';
import { RootProxy } from './root-proxy.js';

/** Marks dataspace capabilities. */
export interface DataspaceInterface {
  /** Brand only. */
  readonly dataspace: true;
}

/** A capability to a RAM or ROM dataspace. */
export type DataspaceCapability = Capability<DataspaceInterface>;

/** Allocates RAM dataspaces charged to the component's own RAM quota (Genode's `env.ram()`). */
export interface RamAllocator {
  /** A zeroed dataspace of `size` bytes; past the quota a `QuotaExceededError`, never an overdraft. */
  alloc(size: number): DataspaceCapability;
  /**
   * A zeroed dataspace of `size` bytes, as Genode's expanding PD session allocates: past the quota the component asks
   * its parent for the RAM (`resource_request`, `ram_quota=<size>`) and waits until the parent says it is there
   * (`resource_avail`), as often as it takes. What a component uses that would rather wait than fail.
   */
  allocExpanding(size: number): Promise<DataspaceCapability>;
  /** Frees a dataspace this component allocated; the quota comes back. */
  free(dataspace: DataspaceCapability): void;
}

/** Makes dataspaces' bytes reachable (Genode's `env.rm()`). */
export interface RegionMap {
  /** The bytes of `dataspace`, shared with every PD that attaches it. */
  attach(dataspace: DataspaceCapability): Uint8Array;
}

/** The I/O thread of a component: receives the signals the component waits for while its entrypoint is blocked. */
class IoThread {
  readonly #handlers = new Map<number, (count: number) => void>();
  #nextImprint = 1;

  constructor(readonly thread: KernelThread) {
    thread.serve({
      onCall() {
        // the I/O thread serves no objects: requests end as faults at the caller
        throw new Error('the I/O thread serves no RPC objects');
      },
      onSignal: (imprint, count) => this.#handlers.get(imprint)?.(count),
    });
  }

  blockingSignal(): BlockingSignal {
    return new BlockingSignal(this.thread, this.#nextImprint++, (imprint, handler) =>
      this.#handlers.set(imprint, handler),
    );
  }

  /** A signal context on this thread whose deliveries go to `handler`. */
  context(handler: (count: number) => void): Capability {
    const imprint = this.#nextImprint++;
    this.#handlers.set(imprint, handler);
    return new Capability(this.thread.createSignalContext(imprint));
  }
}

/** The fewest capabilities {@link Env.expand} asks the parent for at a time. */
export const EXPAND_CAPS = 4;

/** Everything a component gets: the one capability to its parent, and what its own PD offers. */
export interface EnvParts {
  /** The component's name, for messages. */
  readonly name: string;
  /** Its entrypoint thread. */
  readonly thread: KernelThread;
  /** Its I/O thread. */
  readonly io: KernelThread;
  /** The selector of its parent capability: the only capability it starts with. */
  readonly parent: number;
  /** Where the system notes what its components wait for (core's); none: waits are not noted. */
  readonly waits?: WaitList;
  /**
   * Makes and ends further threads in the component's PD (core's CPU service); none: the component has only its two.
   */
  readonly threads?: ThreadFactory;
  /** Where its threads report the faults of its code; the `Env` handles them (see {@link Env.fault}). */
  readonly faults?: ComponentFaults;
}

/**
 * Further threads of a component's PD, as Genode's CPU session gives them: each costs one capability of
 * the component's quota while it lives. What a component uses for calls that must not block its
 * entrypoint (init calls each server from a thread of its own).
 */
export interface ThreadFactory {
  /** A new thread in the PD, labelled `label`; throws `OutOfCaps` when the PD has no capability free. */
  create(label: string): KernelThread;
  /** Ends a thread `create` made: its pending call aborts, and its capability comes back to the PD. */
  destroy(thread: KernelThread): void;
}

/**
 * A component's environment (Genode's `Env`): its entrypoint, its parent, its own PD's accounting, RAM
 * and region map, and the session factory (an `Env` is the `SessionEnv` every `Connection` takes).
 * Nothing else: a component reaches the rest of the system only through sessions its parent routes.
 */
export class Env implements SessionEnv {
  /** The component's entrypoint. */
  readonly ep: Entrypoint;
  /** The component's parent. */
  readonly parent: ClientOf<typeof Parent>;
  /** RAM dataspaces charged to this component. */
  readonly ram: RamAllocator;
  /** Attaching dataspaces. */
  readonly rm: RegionMap;
  /** The component's own PD: its quota and usage. */
  readonly pd: { quota(): QuotaState };
  readonly #io: IoThread;
  readonly #name: string;
  readonly #waits: WaitList | undefined;
  readonly #threads: ThreadFactory | undefined;
  readonly #freeIds: number[] = [];
  // ids 1 to 7 are kept for environment sessions, as Genode keeps 1 to 5 (`Parent::Env`)
  #nextId = 8;
  #log: Connection<typeof Log> | null = null;
  #resourceAvail: BlockingSignal | null = null;
  #sessionSignals = 0;
  readonly #sessionWaiters: (() => void)[] = [];
  readonly #parentSelector: number;
  #faulted = false;
  #rootProxy: Promise<RootProxy> | null = null;

  /** Builds the environment from a started component's threads and parent selector. */
  constructor(parts: EnvParts) {
    this.#name = parts.name;
    this.#waits = parts.waits;
    this.#threads = parts.threads;
    this.ep = new Entrypoint(parts.thread, (report) => this.#reportError(report));
    this.#io = new IoThread(parts.io);
    this.parent = connect(Parent, parts.thread, new Capability<typeof Parent>(parts.parent));
    this.#parentSelector = parts.parent;
    parts.faults?.connect((what, error) => this.fault(what, error));
    const thread = parts.thread;
    const alloc = (size: number): DataspaceCapability =>
      new Capability<DataspaceInterface>(thread.allocDataspace(size));
    this.ram = {
      alloc,
      allocExpanding: (size) => this.expand(() => alloc(size)),
      free: (dataspace) => thread.dissolve(dataspace.selector),
    };
    this.rm = { attach: (dataspace) => thread.attach(dataspace.selector) };
    this.pd = { quota: () => thread.quota() };
  }

  /** The entrypoint's thread: sessions' calls go from here. */
  get thread(): KernelThread {
    return this.ep.thread;
  }

  /**
   * Writes `text` to the component's LOG session, printed as `[label] text`: one write per line, a
   * line longer than a LOG write may be (232 characters, Genode's `Log_session::MAX_STRING_LEN`,
   * control characters counted as printed) in several writes, so all of it is printed (see `logWrites`).
   */
  async log(text: string): Promise<void> {
    const log = this.#log ?? (await this.openLog());
    for (const piece of logWrites(text)) await log.session.write(piece);
  }

  /**
   * Opens the component's LOG session, one of its environment sessions (Genode's `Parent::Env::log`):
   * done before `construct`, so a server never asks its parent for it while it serves its own clients.
   */
  async openLog(): Promise<Connection<typeof Log>> {
    this.#log ??= await Connection.openSession(this, Log, { service: 'LOG', ram: 0, caps: 1 });
    return this.#log;
  }

  /**
   * A further thread in this component's PD, for calls that must not block the entrypoint; costs one
   * capability of the component's quota until {@link Env.destroyThread}. Throws `OutOfCaps` when none
   * is free, and `ServiceDenied` when the component was started without a thread service.
   */
  createThread(label: string): KernelThread {
    if (this.#threads === undefined)
      throw new ServiceDenied(
        `"${this.#name}" was started without a CPU service: it has no threads beyond its entrypoint and I/O thread`,
      );
    return this.#threads.create(label);
  }

  /** Ends a thread made by {@link Env.createThread}: a call pending on it aborts; its capability comes back. */
  destroyThread(thread: KernelThread): void {
    if (this.#threads === undefined) throw new ServiceDenied(`"${this.#name}" was started without a CPU service`);
    this.#threads.destroy(thread);
  }

  /**
   * Announces `service` to the parent, served by the root behind `root` (managed on this component's entrypoint), as
   * Genode's `env.parent().announce(service, root)`: the first announce starts the component's root proxy, a thread of
   * its own (one capability) that reads the component's `session_requests` ROM and calls the root for each request.
   * Throws `OutOfCaps` when the component cannot afford that thread.
   */
  async announce(service: string, root: Capability<typeof Root>): Promise<void> {
    this.#rootProxy ??= RootProxy.start(this, this.#parentSelector);
    let proxy: RootProxy;
    try {
      proxy = await this.#rootProxy;
    } catch (error) {
      this.#rootProxy = null;
      throw error;
    }
    await proxy.announce(service, root);
  }

  /**
   * Runs `work`, an allocation charged to this component's quota (a dataspace, an RPC object, a signal context), as
   * Genode's expanding PD session does: when the kernel refuses it for lack of RAM or capabilities, asks the parent for
   * what it needs (`ram_quota=<bytes>` or `cap_quota=<count>`, at least 4 capabilities at a time), waits for its
   * `resource_avail` signal and tries again, until it succeeds. The parent decides when, if ever: init logs the
   * request, shows it in its state report, and answers it when its config lends the child more.
   */
  async expand<T>(work: () => T): Promise<T> {
    for (;;) {
      try {
        return work();
      } catch (error) {
        if (!hasErrorCode<QuotaExceededError>(error, QuotaExceededError.code)) throw error;
        const amount =
          error.kind === 'ram' ? `ram_quota=${error.needed}` : `cap_quota=${Math.max(EXPAND_CAPS, error.needed)}`;
        await this.parent.resourceRequest(amount);
        await this.waitFor(`resources from its parent (${amount})`, this.waitForResources());
      }
    }
  }

  /** A signal to wait on while the entrypoint stays blocked (see {@link BlockingSignal}). */
  blockingSignal(): BlockingSignal {
    return this.#io.blockingSignal();
  }

  /** {@inheritDoc @os/session#SessionEnv.allocSessionId} */
  allocSessionId(): number {
    return this.#freeIds.pop() ?? this.#nextId++;
  }

  /** {@inheritDoc @os/session#SessionEnv.freeSessionId} */
  freeSessionId(id: number): void {
    this.#freeIds.push(id);
  }

  /**
   * Registers with the parent for `resource_avail`, session and heartbeat signals; called once before
   * `construct`. Heartbeats are answered from the entrypoint, so a component whose entrypoint is blocked
   * for good stops answering and its parent sees it skip them.
   */
  async registerWithParent(): Promise<void> {
    this.#resourceAvail = this.blockingSignal();
    await this.parent.resourceAvailSigh(this.#resourceAvail.capability);
    const heartbeat = this.ep.rpc.createSignalHandler(async () => {
      await this.parent.heartbeatResponse();
    });
    await this.parent.heartbeatSigh(heartbeat);
    const sessions = this.#io.context(() => {
      this.#sessionSignals++;
      for (const wake of this.#sessionWaiters.splice(0)) wake();
    });
    await this.parent.sessionSigh(sessions);
  }

  /** {@inheritDoc @os/session#SessionEnv.sessionSignals} */
  get sessionSignals(): number {
    return this.#sessionSignals;
  }

  /** {@inheritDoc @os/session#SessionEnv.waitForSessionSignal} */
  async waitForSessionSignal(seen: number): Promise<void> {
    while (this.#sessionSignals <= seen) await new Promise<void>((resolve) => this.#sessionWaiters.push(resolve));
  }

  /** {@inheritDoc @os/session#SessionEnv.waitForResources} */
  async waitForResources(): Promise<void> {
    if (this.#resourceAvail === null) await this.registerWithParent();
    await (this.#resourceAvail as BlockingSignal).wait();
  }

  /** {@inheritDoc @os/session#SessionEnv.waitFor} */
  waitFor<T>(what: string, work: Promise<T>): Promise<T> {
    return this.#waits === undefined ? work : this.#waits.note(this.#name, what, work);
  }

  /**
   * Reports a fault of this component's code that no caller awaits (a microtask that threw, a raw
   * entrypoint handler that returned neither `undefined` nor a promise): logged, and the component asks
   * its parent to end it with exit value 1, as when `construct` throws. Called from the I/O thread, so
   * it works while the entrypoint is blocked; the first fault asks for the exit, later ones are logged.
   */
  fault(what: string, error: unknown): void {
    const first = !this.#faulted;
    this.#faulted = true;
    const detail = describeFault(error);
    const io = this.#io.thread;
    const report = async (): Promise<void> => {
      if (this.#log !== null)
        await connect(Log, io, this.#log.capability).write(
          `Error: ${this.#name}: ${what} failed: ${detail}`.slice(0, 4000),
        );
      if (first) await connect(Parent, io, new Capability<typeof Parent>(this.#parentSelector)).exit(1);
    };
    void report().catch(() => undefined);
  }

  /**
   * An exception a method of one of this component's servers threw that its interface does not declare:
   * logged with where it was thrown (up to 8 stack frames), as it is the server's bug, not the client's.
   */
  #reportError(report: ServerErrorReport): void {
    const error = report.error;
    const frames = error instanceof Error && typeof error.stack === 'string' ? stackFrames(error.stack) : [];
    const text = [`Error: ${report.method} threw ${describeFault(error)}`, ...frames].join('\n');
    void this.log(text).catch(() => undefined);
  }

  /** The component's name. */
  get name(): string {
    return this.#name;
  }
}

/** The frames of a stack trace (`    at f (file:///…:3:7)`), at most `limit`, without the message lines before them. */
function stackFrames(stack: string, limit = 8): string[] {
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length > limit ? [...frames.slice(0, limit), `    ... ${frames.length - limit} more`] : frames;
}
