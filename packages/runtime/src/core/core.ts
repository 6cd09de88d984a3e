import type { Capability } from '@os/capability';
import { type Kernel, type KernelThread, type PdId, QuotaExceededError, formatBytes, hasErrorCode } from '@os/kernel';
import { type ClientOf, RpcEntrypoint, type RpcObject, connect } from '@os/rpc';
import { Root, ServiceDenied } from '@os/session';
import { Child, type ChildPolicy, type Route } from '../child.js';
import { LocalService } from '../local-service.js';
import { type ComponentModule, startComponent } from '../component.js';
import { ComponentThread } from '../component-thread.js';
import { ComponentFaults } from '../component-faults.js';
import { WaitList } from '../wait-list.js';
import type { RootComponent } from '../root-component.js';
import { Pd, StartFailed } from '../services.js';
import { LogRoot } from './log-root.js';
import { PdRoot } from './pd-root.js';
import { PdSession } from './pd-session.js';
import { PdThreads } from './pd-threads.js';
import { ReportRoot } from './report-root.js';
import { RomRoot } from './rom-root.js';
import { RtcRoot } from './rtc-root.js';

/** Finds the component module for a binary name. */
export type BinaryResolver = (name: string) => Promise<ComponentModule>;

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
    this.#announceLocal(new LogRoot(ep, this.#log));
    this.#romRoot = new RomRoot(this, ep);
    this.#announceLocal(this.#romRoot);
    this.#announceLocal(new ReportRoot(this, ep));
    this.#announceLocal(new RtcRoot(ep, this.kernel.clock));
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
    this.#roots.set(
      root.service,
      new LocalService(root.service, connect(Root, this.#parentThread, capability), account),
    );
  }
}
