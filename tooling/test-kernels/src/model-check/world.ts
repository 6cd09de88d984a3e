import {
  INVALID_SELECTOR,
  type Kernel,
  type KernelThread,
  PAGE_SIZE,
  type PdId,
  type QuotaAmount,
  type Selector,
} from '@os/kernel';
import { type DerivationPolicy, type ModelObjectId, type ModelPdId, SeamModel } from '../model/index.js';
import { Divergence, ensure } from './divergence.js';

/** What an entrypoint was told of one call. */
export interface ServedCall {
  /** The object as the server names it (`onCall`'s first argument). */
  readonly badge: Selector;
  /** The capabilities the request carried, in the server's space. */
  readonly caps: readonly Selector[];
  /** Which of them were new entries in the server's space (`Message.freshCaps`). */
  readonly fresh: number;
}

/** What an entrypoint was told of one signal delivery. */
export interface ServedSignal {
  readonly imprint: number;
  readonly count: number;
}

/** The first request word that asks a server to reply with the capabilities it received. */
export const ECHO = 0xec40;
/**
 * The first request word that asks a server to reply with its own selectors listed in the next words (count, then
 * selectors).
 */
export const GIVE = 0x61fe;
/**
 * Or'ed into the first request word: the server replies from an asynchronous handler, with `reply()`, after a pause.
 */
export const LATER = 0x10000;

/**
 * One PD of the system under test: its entrypoint (creates and serves its objects) and a client thread (makes its
 * calls).
 */
export interface Domain {
  /** The model's PD. */
  readonly model: ModelPdId;
  /** The kernel's PD. */
  readonly pd: PdId;
  /** Its label. */
  readonly label: string;
  /** Creates every object of the PD and serves them. */
  readonly server: KernelThread;
  /** Makes the PD's calls, so a call to its own objects is no deadlock. */
  readonly client: KernelThread;
  /** What its entrypoint was told, call by call. */
  readonly calls: ServedCall[];
  /** What its entrypoint was told, signal by signal. */
  readonly signals: ServedSignal[];
  /** Selectors valid here that name no seam object (a backend's own plumbing, e.g. hw's signal receiver). */
  readonly infra: Set<Selector>;
  /** Its mailbox: an RPC object every PD holds, so capabilities can travel to it in calls. */
  readonly mailbox: ModelObjectId;
  /** The selector under which this PD was given each PD's mailbox, by model PD. */
  readonly mailboxes: Map<ModelPdId, Selector>;
}

/** A backend the model checks, with what the model needs to know of it. */
export interface CheckedKernel {
  /** `hw`, `nova`, `sel4`. */
  readonly name: string;
  /** Makes a fresh kernel with `capSpaceSize` slots per PD. */
  readonly create: (capSpaceSize: number) => Kernel;
  /** What its native revoke takes (hw has none; its value there is never used). */
  readonly derivation: DerivationPolicy;
  /**
   * Whether it takes a message's capabilities into one aligned receive window (see `SeamModelOptions.receiveWindows`).
   */
  readonly receiveWindows?: boolean;
}

/** Sizes of one checked system. */
export interface WorldOptions {
  /** PDs alive at once (destroyed ones are replaced). Default 3. */
  readonly slots?: number;
  /** Slots per capability space. Default 256: large enough never to fill with the default quota. */
  readonly capSpaceSize?: number;
  /** Quota each new PD gets. Default 32 pages of RAM and 12 capabilities. */
  readonly quota?: Required<QuotaAmount>;
  /** Run the model's full invariant check after every step (default true). */
  readonly invariants?: boolean;
  /** Counts every operation run, across worlds (the deep run reports it). */
  readonly counter?: { operations: number };
}

/** Selector values that are never handed out anywhere: probes for forged capabilities. */
export const ODD_SELECTORS: readonly Selector[] = [
  INVALID_SELECTOR,
  -1,
  0.5,
  Number.NaN,
  2 ** 31,
  Number.MAX_SAFE_INTEGER,
];

/**
 * The system under test: a kernel behind the seam, PDs (slots, replaced when destroyed), and the
 * pairing of the kernel's object identities with the model's, learnt when each object is created.
 */
export class World {
  /** The kernel. */
  readonly kernel: Kernel;
  /** The specification it is compared with. */
  readonly spec: SeamModel;
  /** The PD in each slot. */
  readonly slots: Domain[] = [];
  /** Destroyed PDs, most recent last: commands aimed at them check that the kernel refuses. */
  readonly graveyard: Domain[] = [];
  /** Model PD to domain, live or destroyed. */
  readonly domains = new Map<ModelPdId, Domain>();
  /** The kernel's object identity (`CapSpaceEntry.object`) to the model's object. */
  readonly objectIds = new Map<number, ModelObjectId>();
  /** Attached views of each dataspace, to check that dissolving empties them all. */
  readonly views = new Map<ModelObjectId, Uint8Array[]>();
  /** Mailbox objects: never freed, dissolved or revoked by commands. */
  readonly mailboxes = new Set<ModelObjectId>();
  /** Per-PD quota at creation. */
  readonly quota: Required<QuotaAmount>;
  /** Whether to run the model's invariant check after every step. */
  readonly invariants: boolean;
  /** Operations run. */
  readonly counter: { operations: number };
  /** The command running now, for reports of one that never settles. */
  current = '';
  #nextImprint = 1000;
  #spawned = 0;

  /** Boots `checked` with `options.slots` PDs, each with a mailbox every other PD holds. */
  constructor(
    /** The backend. */
    readonly checked: CheckedKernel,
    options: WorldOptions = {},
  ) {
    const capSpaceSize = options.capSpaceSize ?? 256;
    this.kernel = checked.create(capSpaceSize);
    this.spec = new SeamModel({
      capSpaceSize,
      derivation: checked.derivation,
      receiveWindows: checked.receiveWindows ?? false,
    });
    this.quota = options.quota ?? { ram: 32 * PAGE_SIZE, caps: 12 };
    this.invariants = options.invariants ?? true;
    this.counter = options.counter ?? { operations: 0 };
    for (let slot = 0; slot < (options.slots ?? 3); slot++) this.spawn(slot);
  }

  /** The backend's name. */
  get name(): string {
    return this.checked.name;
  }

  /** The domain in `slot`, or for `slot === slots.length` the most recently destroyed one (slot 0 if none was). */
  domainAt(slot: number): Domain {
    const domain = slot >= this.slots.length ? (this.graveyard.at(-1) ?? this.slots[0]) : this.slots[slot];
    if (domain === undefined) throw new Error(`no domain in slot ${slot}`);
    return domain;
  }

  /** The domain of model PD `pd`. */
  domainOf(pd: ModelPdId): Domain {
    const domain = this.domains.get(pd);
    if (domain === undefined) throw new Error(`no domain for model PD ${pd}`);
    return domain;
  }

  /** A fresh signal imprint. */
  nextImprint(): number {
    return this.#nextImprint++;
  }

  /**
   * Creates a PD in `slot` as core would: quota (from what destroyed PDs returned first), an
   * entrypoint and a client thread, a mailbox delegated to every other PD and theirs to it, and a
   * signal context (so backends that make signal plumbing on first use have made it).
   */
  spawn(slot: number): Domain {
    const { kernel, spec } = this;
    const label = `pd${this.#spawned++}`;
    const pd = kernel.createPd(label);
    const model = spec.createPd(label);
    const reclaimed = {
      ram: Math.min(this.quota.ram, spec.reclaimed.ram),
      caps: Math.min(this.quota.caps, spec.reclaimed.caps),
    };
    kernel.grantQuota(pd, this.quota);
    spec.grantQuota(model, reclaimed, 'reclaimed');
    spec.grantQuota(model, { ram: this.quota.ram - reclaimed.ram, caps: this.quota.caps - reclaimed.caps }, 'machine');
    const calls: ServedCall[] = [];
    const signals: ServedSignal[] = [];
    const server = kernel.createThread(pd, `${label}.ep`);
    server.serve({
      onCall(object, request) {
        const word = request.length >= 4 ? request.view.getUint32(0, true) : 0;
        const mode = word & ~LATER;
        calls.push({ badge: object, caps: request.capList(), fresh: request.freshCaps });
        let caps: Selector[] | null = null;
        if (mode === ECHO) caps = request.capList();
        else if (mode === GIVE) {
          caps = [];
          const count = request.view.getUint32(4, true);
          for (let i = 0; i < count; i++) caps.push(request.view.getFloat64(8 + 8 * i, true));
        }
        const answer = (): void => {
          request.clear();
          if (caps !== null) request.setCaps(caps);
        };
        if ((word & LATER) === 0) return answer();
        return Promise.resolve().then(() => {
          answer();
          server.reply();
        });
      },
      onSignal(imprint, count) {
        signals.push({ imprint, count });
      },
    });
    const client = kernel.createThread(pd, `${label}.client`);
    const mailboxSelector = server.createRpcObject();
    const mailbox = this.learn(model, pd, 'rpc-object', mailboxSelector);
    this.mailboxes.add(mailbox);
    const domain: Domain = {
      model,
      pd,
      label,
      server,
      client,
      calls,
      signals,
      infra: new Set(),
      mailbox,
      mailboxes: new Map([[model, mailboxSelector]]),
    };
    const imprint = this.nextImprint();
    this.learn(model, pd, 'signal-context', server.createSignalContext(imprint), { imprint });
    for (const other of this.slots) {
      if (other === undefined || other === this.slots[slot]) continue;
      domain.mailboxes.set(other.model, this.delegate(other, other.mailboxes.get(other.model) as Selector, domain));
      other.mailboxes.set(model, this.delegate(domain, mailboxSelector, other));
    }
    this.#findInfra(domain);
    const plumbing = kernel.quota(pd).capUsed - spec.pd(model).quota.capUsed;
    ensure(plumbing >= 0, `${label} uses ${-plumbing} capabilities fewer than the objects it made`);
    spec.chargePlumbing(model, plumbing);
    this.slots[slot] = domain;
    this.domains.set(model, domain);
    return domain;
  }

  /** Records an object the kernel created for `model` under `selector`, pairing the identities. */
  learn(
    model: ModelPdId,
    pd: PdId,
    kind: 'rpc-object' | 'signal-context' | 'dataspace',
    selector: Selector,
    parameters: { imprint?: number; size?: number } = {},
  ): ModelObjectId {
    const entry = this.kernel.capSpace(pd).find((candidate) => candidate.selector === selector);
    ensure(
      entry !== undefined,
      `${kind} created under selector ${selector}, but the capability space does not list it`,
    );
    const identity = entry?.object ?? -1;
    ensure(entry?.kind === kind, `${kind} created under selector ${selector} is listed as a ${entry?.kind}`);
    ensure(
      !this.objectIds.has(identity),
      `new ${kind} has the identity ${identity} of object ${this.objectIds.get(identity)}`,
    );
    const id = this.spec.recordCreate(model, kind, selector, parameters);
    this.objectIds.set(identity, id);
    return id;
  }

  /** Delegates through core at setup, checked against the model. */
  delegate(from: Domain, selector: Selector, to: Domain): Selector {
    const received = this.kernel.delegate(from.pd, selector, to.pd);
    this.spec.recordDelegate(from.model, selector, to.model, received);
    return received;
  }

  /** Notes the selectors valid in a fresh PD that its capability space does not list: the backend's plumbing. */
  #findInfra(domain: Domain): void {
    const listed = new Set(this.kernel.capSpace(domain.pd).map((entry) => entry.selector));
    const highest = Math.max(0, ...listed);
    for (let selector = 0; selector <= highest + 8; selector++) {
      if (!listed.has(selector) && domain.client.valid(selector)) domain.infra.add(selector);
    }
    for (const selector of ODD_SELECTORS)
      if (!listed.has(selector) && domain.client.valid(selector)) domain.infra.add(selector);
  }

  /** Counts one operation. */
  count(): void {
    this.counter.operations++;
  }

  /** Fails with a divergence naming this kernel. */
  fail(message: string): never {
    throw new Divergence(`${this.name}: ${message}`);
  }
}
