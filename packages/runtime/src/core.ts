import type { Capability } from '@os/capability';
import {
  InvalidArgumentError,
  type Kernel,
  type KernelThread,
  type PdId,
  QuotaExceededError,
  formatBytes,
  hasErrorCode,
  pageRound,
} from '@os/kernel';
import { type ClientOf, RpcEntrypoint, RpcObject, type ServerOf, connect } from '@os/rpc';
import { OutOfCaps, OutOfRam, Root, ServiceDenied, type SessionArgs, type SessionLabel } from '@os/session';
import { Child, type ChildPolicy, type Route } from './child.js';
import { LocalService } from './local-service.js';
import { type ComponentModule, startComponent } from './component.js';
import { DEFAULT_REPORT_BUFFER, REPORT_SESSION_CAPS, ReportSessionComponent } from './report-session.js';
import { RomSessionComponent } from './rom-session.js';
import { RtcSessionComponent } from './rtc-session-component.js';
import { ComponentThread } from './component-thread.js';
import { ComponentFaults } from './component-faults.js';
import { WaitList } from './wait-list.js';
import { PdThreads } from './pd-threads.js';
import { RootComponent, type SessionCost, type SessionEntrypoint } from './root-component.js';
import { logLines } from './printable.js';
import { Log, Pd, StartFailed } from './services.js';

/** Finds the component module for a binary name. */
export type BinaryResolver = (name: string) => Promise<ComponentModule>;

/** core's LOG session: prints each line with the session's label. */
class LogSession extends RpcObject<typeof Log> implements ServerOf<typeof Log> {
  constructor(
    /** The session's label, put in front of every line. */
    private readonly label: string,
    /** Where the lines go. */
    private readonly sink: (line: string) => void,
  ) {
    super(Log);
  }
  /**
   * Prints the client's text as `[label] line`, one line per line break in it, control characters
   * written out (Log::write), bounded as Genode's LOG: of a write longer than 232 characters
   * (`Log_session::MAX_STRING_LEN`) only the first 232 count, and no line prints more than 232
   * characters of text; what is cut ends with ` [cut]` (see `logLines`).
   */
  write(text: string): void {
    for (const line of logLines(text)) this.sink(`[${this.label}] ${line}`);
  }
}

/** core's PD session: one protection domain, its quota, and the component started in it. */
export class PdSession extends RpcObject<typeof Pd> implements ServerOf<typeof Pd> {
  /** Whether a component runs in the PD; a PD runs one at most. */
  started = false;
  /** Whether the PD was destroyed. */
  destroyed = false;
  /**
   * Quota moved into this PD from each other PD session, minus what moved back (Genode's reference
   * accounts): when the PD is destroyed, each peer gets back what it put in beyond the session's
   * donation, so a parent that raised a child's quota does not lose the raise.
   */
  readonly net = new Map<PdSession, { ram: number; caps: number }>();
  /** Creates the session of PD `pd`, labelled `label`, served by `core`. */
  constructor(
    /** The core that serves the session and starts components. */
    private readonly core: Core,
    /** The kernel's PD behind the session. */
    readonly pd: PdId,
    /** The session's label: whom the PD is for. */
    readonly label: string,
  ) {
    super(Pd);
  }
  /** Starts `binary` as component `name` in the PD, with `parent` its only capability (Pd::start). */
  async start(binary: string, name: string, parent: Capability): Promise<void> {
    if (this.started) throw new StartFailed(`PD "${this.label}" already runs a component`);
    this.started = true;
    await this.core.start(this, binary, name, parent);
  }
  /** Moves `ram` bytes and `caps` capabilities of the PD's quota to the PD of session `target` (Pd::transfer_quota). */
  transferQuota(target: Capability, ram: number, caps: number): void {
    const to = this.core.pdSession(target);
    if (to === undefined) throw new OutOfRam(`the transfer target is not a PD session of core`);
    try {
      this.core.kernel.transferQuota(this.pd, to.pd, { ram, caps });
      to.#note(this, ram, caps);
      this.#note(to, -ram, -caps);
    } catch (error) {
      if (hasErrorCode<QuotaExceededError>(error, QuotaExceededError.code))
        throw error.kind === 'ram' ? new OutOfRam(error.message) : new OutOfCaps(error.message);
      if (hasErrorCode(error, InvalidArgumentError.code))
        throw new OutOfRam(error instanceof Error ? error.message : 'a transfer amount the kernel refuses');
      throw error;
    }
  }
  /** The PD's quota and how much of it is in use (Pd::quota). */
  quota() {
    return this.core.kernel.quota(this.pd);
  }
  #note(peer: PdSession, ram: number, caps: number): void {
    const net = this.net.get(peer) ?? { ram: 0, caps: 0 };
    net.ram += ram;
    net.caps += caps;
    if (net.ram === 0 && net.caps === 0) this.net.delete(peer);
    else this.net.set(peer, net);
  }
}

/**
 * core: the root component. It owns all RAM and capabilities of the machine and serves the base
 * services — PD (protection domains, and starting components in them), LOG (lines printed as
 * `[label] text`) and ROM (the boot modules) — and is the parent of the first component, init.
 */
export class Core {
  /** The kernel; only core holds it. */
  readonly kernel: Kernel;
  /** core's own PD. */
  readonly pd: PdId;
  readonly #thread: KernelThread;
  readonly #parentThread: KernelThread;
  readonly #entrypoint: RpcEntrypoint;
  readonly #parentEntrypoint: RpcEntrypoint;
  readonly #pdSessions = new Map<number, PdSession>();
  readonly #roots = new Map<string, LocalService>();
  readonly #corePdCapability: Capability<typeof Pd>;
  readonly #corePd: ClientOf<typeof Pd>;
  readonly #resolveBinary: BinaryResolver;
  readonly #roms: Map<string, Uint8Array>;
  readonly #romRoot: RomRoot;
  readonly #pdRoot: PdRoot;
  readonly #romWaiters: (() => void)[] = [];
  readonly #log: (line: string) => void;
  readonly #reports = new Map<string, Uint8Array>();
  readonly #onReport: ((label: string, report: Uint8Array) => void) | undefined;
  /** What the system's components wait for, noted while they wait. */
  readonly waits = new WaitList();
  #pending = 0;
  #idle: (() => void) | null = null;

  /** Sets up core on `kernel` with the machine's `ram` and `caps`. */
  constructor(options: {
    readonly kernel: Kernel;
    readonly ram: number;
    readonly caps: number;
    readonly binaries: BinaryResolver;
    readonly roms: ReadonlyMap<string, Uint8Array>;
    readonly log: (line: string) => void;
    /** Told each report a component submits to core's Report service. */
    readonly onReport?: (label: string, report: Uint8Array) => void;
  }) {
    this.kernel = options.kernel;
    this.#resolveBinary = options.binaries;
    this.#roms = new Map(options.roms);
    this.#log = options.log;
    this.#onReport = options.onReport;
    this.pd = this.kernel.createPd('core');
    this.kernel.grantQuota(this.pd, { ram: options.ram, caps: options.caps });
    this.#thread = this.kernel.createThread(this.pd, 'core.ep');
    this.#parentThread = this.kernel.createThread(this.pd, 'core.parent');
    this.#entrypoint = new RpcEntrypoint(this.#thread, {
      onError: (report) => this.#log(`[core] Error: ${report.method}: ${String(report.error)}`),
    });
    this.#parentEntrypoint = new RpcEntrypoint(this.#parentThread, {
      onError: (report) => this.#log(`[core] Error: ${report.method}: ${String(report.error)}`),
    });
    const corePd = new PdSession(this, this.pd, 'core');
    corePd.started = true;
    this.#corePdCapability = this.#manage(corePd);
    this.#corePd = connect(Pd, this.#parentThread, this.#corePdCapability);
    const ep = this.#entrypoint;
    this.#pdRoot = new PdRoot(this, ep);
    this.#announceLocal(this.#pdRoot);
    this.#announceLocal(new OneCapRoot('LOG', ep, (label) => new LogSession(label.text, this.#log)));
    this.#romRoot = new RomRoot(this, ep);
    this.#announceLocal(this.#romRoot);
    this.#announceLocal(new ReportRoot(this, ep));
    this.#announceLocal(new OneCapRoot('Rtc', ep, () => new RtcSessionComponent(this.kernel.clock)));
  }

  /** The latest report submitted to core's Report service under session label `label`, if any. */
  report(label: string): Uint8Array | undefined {
    return this.#reports.get(label);
  }

  /** Keeps `report` as the latest under `label` and passes it on to the boot's `onReport`. */
  receiveReport(label: string, report: Uint8Array): void {
    this.#reports.set(label, report);
    this.#onReport?.(label, report);
  }

  /** core's entrypoint thread, which serves its sessions. */
  get thread(): KernelThread {
    return this.#thread;
  }

  /** The PD session a capability (in core's space) names, if it is one. */
  pdSession(capability: Capability): PdSession | undefined {
    return this.#pdSessions.get(capability.rawSelector) ?? this.#pdRoot.lookup(capability);
  }

  /** Creates a PD session for `label` with the given quota, from core's own, and serves it. */
  createPdSession(label: string, ram: number, caps: number): Capability<typeof Pd> {
    const session = this.createPd(label, ram, caps);
    try {
      return this.#manage(session);
    } catch (error) {
      this.destroyPd(session);
      throw error;
    }
  }

  /** Creates a PD for `label` with the given quota, from core's own, and its session object (not yet served). */
  createPd(label: string, ram: number, caps: number): PdSession {
    const pd = this.kernel.createPd(label);
    try {
      this.kernel.transferQuota(this.pd, pd, { ram, caps });
      return new PdSession(this, pd, label);
    } catch (error) {
      // a PD without its session would hold its quota where nobody can reach it
      this.kernel.grantQuota(this.pd, this.kernel.destroyPd(pd));
      throw error;
    }
  }

  /** Destroys the PD of `session` (whose capability is dissolved); its quota comes back to core. */
  destroyPd(session: PdSession): void {
    if (session.destroyed || session.pd === this.pd) return;
    session.destroyed = true;
    const returned = this.kernel.destroyPd(session.pd);
    this.kernel.grantQuota(this.pd, returned);
    // settle what other PDs moved in or took out, so the session's donation is all that is left to return
    for (const [peer, net] of session.net) {
      peer.net.delete(session);
      if (peer.destroyed) continue;
      const ram = Math.max(0, net.ram);
      const caps = Math.max(0, net.caps);
      if (ram > 0 || caps > 0) this.kernel.transferQuota(this.pd, peer.pd, { ram, caps });
      const owedRam = Math.max(0, -net.ram);
      const owedCaps = Math.max(0, -net.caps);
      if (owedRam === 0 && owedCaps === 0) continue;
      try {
        this.kernel.transferQuota(peer.pd, this.pd, { ram: owedRam, caps: owedCaps });
      } catch (error) {
        if (!hasErrorCode(error, QuotaExceededError.code)) throw error;
        this.#log(
          `[core] Warning: PD "${peer.label}" took ${formatBytes(owedRam)} of RAM and ${owedCaps} capabilities out ` +
            `of the destroyed PD "${session.label}" and cannot give them back`,
        );
      }
    }
  }

  /** Allocates a dataspace in core's PD holding `content`. */
  romDataspace(content: Uint8Array): number {
    const dataspace = this.#thread.allocDataspace(Math.max(1, content.length));
    this.#thread.attach(dataspace).set(content);
    return dataspace;
  }

  /** The content of boot module `name`, if there is one. */
  rom(name: string): Uint8Array | undefined {
    return this.#roms.get(name);
  }

  /**
   * Replaces boot module `name` (or adds it): every open ROM session on it gets the new content and
   * its client's `sigh` signal, as a dynamic ROM does in Genode. What `os run --watch` uses to hand
   * init an edited config.
   */
  updateRom(name: string, content: Uint8Array): void {
    this.#roms.set(name, content);
    this.#romRoot.update(name, content);
    for (const wake of this.#romWaiters.splice(0)) wake();
  }

  /** Resolves at the next `updateRom`: what a stalled system waits for under `os run --watch`. */
  nextRomUpdate(): Promise<void> {
    return new Promise((resolve) => this.#romWaiters.push(resolve));
  }

  /** Dissolves a dataspace of core's. */
  freeDataspace(selector: number): void {
    this.#thread.dissolve(selector);
  }

  /** Starts `binary` as component `name` in the PD of `session`, with `parent` as its only capability. */
  async start(session: PdSession, binary: string, name: string, parent: Capability): Promise<void> {
    let module: ComponentModule;
    this.#pending++;
    try {
      module = await this.#resolveBinary(binary);
    } catch (error) {
      throw new StartFailed(`cannot start "${name}": ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.#pending--;
      if (this.#pending === 0) this.#idle?.();
    }
    const thread = this.kernel.createThread(session.pd, `${name}.ep`);
    const io = this.kernel.createThread(session.pd, `${name}.io`);
    const parentSelector = this.kernel.delegate(this.pd, parent.selector, session.pd);
    // The component runs on its own threads from here; `start` returns without waiting on it, as
    // core's CPU session starts a thread and returns.
    const faults = new ComponentFaults();
    const threads = new PdThreads(this.kernel, this.pd, session, name, faults);
    startComponent(
      {
        name,
        thread: new ComponentThread(thread, faults),
        io: new ComponentThread(io, faults),
        parent: parentSelector,
        waits: this.waits,
        threads,
        faults,
      },
      module,
    ).catch((error: unknown) => {
      this.#log(
        `[core] Error: component "${name}" could not start: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  /** Whether a binary is being loaded right now. */
  get loading(): boolean {
    return this.#pending > 0;
  }

  /** Resolves once no binary is being loaded (virtual time must not move while one is). */
  async loaded(): Promise<void> {
    while (this.#pending > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
  }

  /**
   * Starts the first component (init, by default) with `ram` and `caps` of core's quota; `exited`
   * receives its exit value.
   */
  async startInit(
    binary: string,
    name: string,
    ram: number,
    caps: number,
    exited: (value: number) => void,
  ): Promise<Child> {
    const pdCapability = this.createPdSession(name, ram, caps);
    const policy: ChildPolicy = {
      resolve: async (service) => this.#route(service),
      announce: () => undefined,
      exited,
      resourceRequest: () => undefined,
    };
    const child = new Child(name, policy, {
      thread: this.#parentThread,
      ep: this.#parentEntrypoint,
      pd: pdCapability,
      own: { client: this.#corePd, capability: this.#corePdCapability },
    });
    const parent = this.#parentEntrypoint.manage(child);
    await connect(Pd, this.#parentThread, pdCapability).start(binary, name, parent);
    return child;
  }

  #route(service: string): Route {
    const root = this.#roots.get(service);
    if (root === undefined)
      throw new ServiceDenied(`core provides no service "${service}" (it has ${[...this.#roots.keys()].join(', ')})`);
    return { service: root };
  }

  #manage(session: PdSession): Capability<typeof Pd> {
    const capability = this.#entrypoint.manage(session);
    this.#pdSessions.set(capability.selector, session);
    return capability;
  }

  #announceLocal(root: RootComponent<RpcObject>): void {
    const capability = this.#entrypoint.manage(root);
    const account = { client: this.#corePd, capability: this.#corePdCapability };
    this.#roots.set(root.service, new LocalService(root.service, connect(Root, this.#parentThread, capability), account));
  }
}

/** core's PD service: each session is a new PD holding the session's donation. */
class PdRoot extends RootComponent<PdSession> {
  constructor(
    /** The core that creates the PDs. */
    private readonly core: Core,
    ep: SessionEntrypoint,
  ) {
    super({ service: 'PD', ep });
  }
  /**
   * A PD session takes one capability in core for itself, out of its donation: as in Genode, so a
   * request that donates nothing cannot drain core.
   */
  protected override sessionCost(): SessionCost {
    return { ram: 0, caps: PD_SESSION_CAPS };
  }
  /** Creates a PD with the donated quota as its own, less the session's own capability (Root::session). */
  protected override createSession(args: SessionArgs, label: SessionLabel): PdSession {
    return this.core.createPd(label.text, args.number('ram_quota'), args.number('cap_quota') - PD_SESSION_CAPS);
  }
  /** Destroys the PD; its quota goes back to core (Root::close). */
  protected override destroySession(session: PdSession): void {
    this.core.destroyPd(session);
  }
}

/** Capabilities a PD session takes in core for itself (its session object), out of its donation. */
export const PD_SESSION_CAPS = 1;

/**
 * A core service whose sessions cost one capability and no RAM (LOG, Rtc): each session request
 * gets a fresh session object from `create`.
 */
class OneCapRoot<S extends RpcObject> extends RootComponent<S> {
  constructor(
    service: string,
    ep: SessionEntrypoint,
    /** Makes the session for a request's label. */
    private readonly create: (label: SessionLabel) => S,
  ) {
    super({ service, ep });
  }
  /** Opens a session; it needs one capability (Root::session). */
  protected override createSession(_args: SessionArgs, label: SessionLabel): S {
    return this.create(label);
  }
}

/**
 * core's Report service: keeps each session's latest report by its label (`core.report(label)`) and
 * hands it to the boot's `onReport`, which is how `os run --state` sees the top init's state report.
 */
class ReportRoot extends RootComponent<ReportSessionComponent> {
  constructor(
    /** The core that keeps the reports. */
    private readonly core: Core,
    ep: SessionEntrypoint,
  ) {
    super({ service: 'Report', ep });
  }
  /** A buffer of `buffer_size` bytes in whole pages, and {@link REPORT_SESSION_CAPS} capabilities. */
  protected override sessionCost(args: SessionArgs): SessionCost {
    const size = args.number('buffer_size', DEFAULT_REPORT_BUFFER);
    return {
      ram: pageRound(Math.max(1, size)),
      caps: REPORT_SESSION_CAPS,
      ramFor: `a buffer of ${size} bytes, in whole pages`,
    };
  }
  /** Opens a Report session with a buffer of `buffer_size` bytes (Root::session). */
  protected override createSession(args: SessionArgs, label: SessionLabel): ReportSessionComponent {
    const size = args.number('buffer_size', DEFAULT_REPORT_BUFFER);
    return new ReportSessionComponent(this.core.thread, size, (report) => this.core.receiveReport(label.text, report));
  }
  /** Frees the session's buffer (Root::close). */
  protected override destroySession(session: ReportSessionComponent): void {
    this.core.freeDataspace(session.buffer);
  }
}

/**
 * core's ROM service: the boot modules, by the label's last element. A session costs one copy of its module: boot
 * modules change only when the host replaces one (`updateRom`, what `os run --watch` does), never at a client's
 * doing, so the version a session keeps for its client across such an update (at most one) is core's own RAM.
 */
class RomRoot extends RootComponent<RomSessionComponent> {
  readonly #modules = new Map<RomSessionComponent, string>();
  constructor(
    /** The core whose boot modules are served. */
    private readonly core: Core,
    ep: SessionEntrypoint,
  ) {
    super({ service: 'ROM', ep });
  }
  /** A copy of the module the label names in whole pages, and 2 capabilities; no such module is `ServiceDenied`. */
  protected override sessionCost(_args: SessionArgs, label: SessionLabel): SessionCost {
    const name = label.last();
    const content = this.core.rom(name);
    if (content === undefined) throw new ServiceDenied(`no ROM module "${name}"`);
    return { ram: pageRound(Math.max(1, content.length)), caps: 2, ramFor: `module "${name}", in whole pages` };
  }
  /** Opens the boot module the label names, copied into a dataspace the donation pays for (Root::session). */
  protected override createSession(_args: SessionArgs, label: SessionLabel): RomSessionComponent {
    const name = label.last();
    const content = this.core.rom(name) ?? new Uint8Array();
    const session = new RomSessionComponent(this.core.thread, this.core.romDataspace(content));
    this.#modules.set(session, name);
    return session;
  }
  /** Hands every session on module `name` its new content; each keeps the version its client fetched. */
  update(name: string, content: Uint8Array): void {
    for (const [session, module] of this.#modules) {
      if (module === name) session.replace(this.core.romDataspace(content));
    }
  }
  /** Frees the session's dataspaces (Root::close). */
  protected override destroySession(session: RomSessionComponent): void {
    this.#modules.delete(session);
    session.destroy();
  }
}
