import {
  INVALID_SELECTOR,
  InvalidCapabilityError,
  type Kernel,
  type KernelThread,
  type Message,
  NotOwnerError,
  type PdId,
  type Selector,
} from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import fc, { type AsyncCommand } from 'fast-check';
import { describe, expect, it } from 'vitest';

const PD_LABELS = ['a', 'b', 'c'] as const;
const CAP_QUOTA = 64;
const MAX_COMMANDS = 40;
const NUM_RUNS = 200;

// ------------------------------------------------------------------ the reference model

/** An RPC object as the model sees it. */
interface ModelObject {
  readonly owner: number;
  /** What its server is told on a call: the owner's selector at creation. */
  readonly badge: Selector;
  /** One per PD, made at setup and handed to every PD so caps can travel in calls; never freed or dissolved. */
  readonly mailbox: boolean;
  alive: boolean;
}

/** A PD as the model sees it. */
interface ModelPd {
  /** Selector to model object id: exactly what its capability space must hold. */
  readonly held: Map<Selector, number>;
  /** Every selector it ever held, so commands keep trying the stale ones. */
  readonly everHeld: Set<Selector>;
  /** For each held object, the PDs it passed through, from its owner to this PD. */
  readonly provenance: Map<number, readonly number[]>;
}

interface Model {
  readonly pds: ModelPd[];
  readonly objects: ModelObject[];
  /** Every hand-over that happened, as `object:from->to`. */
  readonly handOvers: Set<string>;
}

// ------------------------------------------------------------------ the system under test

/** What a PD's server thread saw of one call. */
interface ServedCall {
  readonly badge: Selector;
  readonly caps: readonly Selector[];
}

interface Domain {
  readonly pd: PdId;
  /** Serves every object the PD creates. */
  readonly server: KernelThread;
  /** Makes the PD's calls, so calls to its own objects are no deadlock. */
  readonly client: KernelThread;
  readonly served: ServedCall[];
  /** This PD's selector for each PD's mailbox, by PD index. */
  readonly mailboxes: Selector[];
}

interface Real {
  readonly kernel: Kernel;
  readonly domains: Domain[];
  /** Kernel object identity to model object id, recorded at creation. */
  readonly modelIdOf: Map<number, number>;
}

function domainAt(real: Real, index: number): Domain {
  const domain = real.domains[index];
  if (domain === undefined) throw new Error(`no PD ${index}`);
  return domain;
}

function pdAt(model: Model, index: number): ModelPd {
  const pd = model.pds[index];
  if (pd === undefined) throw new Error(`no model PD ${index}`);
  return pd;
}

function objectAt(model: Model, id: number): ModelObject {
  const object = model.objects[id];
  if (object === undefined) throw new Error(`no model object ${id}`);
  return object;
}

function handOver(object: number, from: number, to: number): string {
  return `${object}:${from}->${to}`;
}

/** The selector under which `pd` holds `object`, if it does. */
function selectorOf(pd: ModelPd, object: number): Selector | undefined {
  for (const [selector, held] of pd.held) if (held === object) return selector;
  return undefined;
}

/** Records a fresh object `owner` made under `selector`, and its kernel identity. */
function recordCreation(model: Model, real: Real, owner: number, selector: Selector, mailbox: boolean): number {
  const pd = pdAt(model, owner);
  expect(selector).toBeGreaterThan(INVALID_SELECTOR);
  expect(pd.held.has(selector)).toBe(false);
  const entry = real.kernel.capSpace(domainAt(real, owner).pd).find((candidate) => candidate.selector === selector);
  expect(entry?.kind).toBe('rpc-object');
  const kernelId = entry?.object ?? -1;
  expect(real.modelIdOf.has(kernelId)).toBe(false);
  const id = model.objects.length;
  model.objects.push({ owner, badge: selector, mailbox, alive: true });
  real.modelIdOf.set(kernelId, id);
  pd.held.set(selector, id);
  pd.everHeld.add(selector);
  pd.provenance.set(id, [owner]);
  return id;
}

/**
 * Checks that `to` received `object` from `from` under `selector` and records it: an object the PD
 * already holds must arrive under its existing selector, a new one under a selector not in use.
 */
function recordReception(model: Model, object: number, from: number, to: number, selector: Selector): void {
  const receiver = pdAt(model, to);
  const existing = selectorOf(receiver, object);
  if (existing !== undefined) {
    expect(selector).toBe(existing);
    return;
  }
  expect(selector).toBeGreaterThan(INVALID_SELECTOR);
  expect(receiver.held.has(selector)).toBe(false);
  const path = pdAt(model, from).provenance.get(object);
  if (path === undefined) throw new Error(`PD ${from} passed on object ${object} it has no provenance for`);
  receiver.held.set(selector, object);
  receiver.everHeld.add(selector);
  receiver.provenance.set(object, [...path, to]);
  model.handOvers.add(handOver(object, from, to));
}

function recordFree(model: Model, pd: number, selector: Selector): void {
  const holder = pdAt(model, pd);
  const object = holder.held.get(selector);
  if (object === undefined) throw new Error(`PD ${pd} frees ${selector} it does not hold`);
  holder.held.delete(selector);
  holder.provenance.delete(object);
}

function recordDissolve(model: Model, object: number): void {
  objectAt(model, object).alive = false;
  for (const pd of model.pds) {
    const selector = selectorOf(pd, object);
    if (selector !== undefined) {
      pd.held.delete(selector);
      pd.provenance.delete(object);
    }
  }
}

/**
 * The selectors a command may act with in `pd`: those it holds and those it held once (stale),
 * mailboxes excepted. `index` picks one; with none, the invalid selector.
 */
function pickSelector(model: Model, pd: number, index: number): Selector {
  const holder = pdAt(model, pd);
  const candidates = [...holder.everHeld]
    .filter((selector) => {
      const object = holder.held.get(selector);
      return object === undefined || !objectAt(model, object).mailbox;
    })
    .sort((x, y) => x - y);
  return candidates.length === 0 ? INVALID_SELECTOR : (candidates[index % candidates.length] as Selector);
}

/** Calls from this PD's client, turning a synchronous throw into a rejection. */
async function callFrom(domain: Domain, selector: Selector, caps: readonly Selector[] = []): Promise<Message> {
  domain.client.utcb.clear();
  domain.client.utcb.setCaps(caps);
  return domain.client.call(selector);
}

/** What must agree between kernel and model for one PD; compared whole, so a run costs one assertion per PD. */
interface PdView {
  readonly capSpace: [Selector, number | undefined][];
  readonly validSelectors: Selector[];
  readonly capUsed: number;
}

/** The kernel's side: its cap space in model object ids, the selectors it calls valid, its cap use. */
function kernelView(model: Model, real: Real, index: number): PdView {
  const domain = domainAt(real, index);
  const pd = pdAt(model, index);
  return {
    capSpace: real.kernel
      .capSpace(domain.pd)
      .map((entry): [Selector, number | undefined] => [entry.selector, real.modelIdOf.get(entry.object)])
      .sort(([x], [y]) => x - y),
    validSelectors: [...pd.everHeld].filter((selector) => domain.client.valid(selector)).sort((x, y) => x - y),
    capUsed: real.kernel.quota(domain.pd).capUsed,
  };
}

/** The model's side of the same. */
function modelView(model: Model, index: number): PdView {
  const pd = pdAt(model, index);
  return {
    capSpace: [...pd.held].sort(([x], [y]) => x - y),
    validSelectors: [...pd.held.keys()].sort((x, y) => x - y),
    capUsed: model.objects.filter((object) => object.owner === index && object.alive).length,
  };
}

/** Model entries that break the model's own rules: dissolved objects held, or no chain of hand-overs from the owner. */
function modelViolations(model: Model, index: number): string[] {
  const violations: string[] = [];
  for (const id of pdAt(model, index).held.values()) {
    const object = objectAt(model, id);
    const path = pdAt(model, index).provenance.get(id) ?? [];
    if (!object.alive) violations.push(`holds dissolved object ${id}`);
    if (path[0] !== object.owner || path[path.length - 1] !== index) violations.push(`object ${id} has no path from its owner`);
    for (let step = 1; step < path.length; step++) {
      if (!model.handOvers.has(handOver(id, path[step - 1] as number, path[step] as number))) {
        violations.push(`object ${id} never went from PD ${path[step - 1]} to PD ${path[step]}`);
      }
    }
  }
  return violations;
}

/**
 * Compares the kernel with the model for every PD: cap space (so no PD holds a dissolved object or one
 * that reached it by no recorded chain of hand-overs from its owner), validity of held and stale
 * selectors, and cap quota used (one per live object owned).
 */
function checkAgainstModel(model: Model, real: Real): void {
  model.pds.forEach((_pd, index) => {
    const label = `PD ${PD_LABELS[index]}`;
    expect(kernelView(model, real, index), label).toEqual(modelView(model, index));
    expect(modelViolations(model, index), label).toEqual([]);
  });
}

/** A call the model says succeeds reaches the owner's server with the object's badge; any other is refused. */
async function checkCall(model: Model, real: Real, pd: number, selector: Selector): Promise<void> {
  const domain = domainAt(real, pd);
  const id = pdAt(model, pd).held.get(selector);
  if (id === undefined) {
    await expect(callFrom(domain, selector)).rejects.toBeInstanceOf(InvalidCapabilityError);
    return;
  }
  const object = objectAt(model, id);
  const servedBefore = real.domains.map((candidate) => candidate.served.length);
  const reply = await callFrom(domain, selector);
  expect(reply.capCount).toBe(0);
  real.domains.forEach((candidate, index) => {
    const grew = candidate.served.length - (servedBefore[index] ?? 0);
    expect(grew, `calls served by PD ${PD_LABELS[index]}`).toBe(index === object.owner ? 1 : 0);
  });
  expect(domainAt(real, object.owner).served.at(-1)).toEqual({ badge: object.badge, caps: [] });
}

// ------------------------------------------------------------------ commands

type ModelCommand = AsyncCommand<Model, Real>;

/** Every command may run in every state: the model says what must happen. */
abstract class AlwaysApplicable implements ModelCommand {
  check(): boolean {
    return true;
  }
  abstract run(model: Model, real: Real): Promise<void>;
  abstract toString(): string;
}

class CreateObject extends AlwaysApplicable {
  constructor(readonly pd: number) {
    super();
  }
  async run(model: Model, real: Real): Promise<void> {
    const selector = domainAt(real, this.pd).server.createRpcObject();
    recordCreation(model, real, this.pd, selector, false);
    checkAgainstModel(model, real);
  }
  toString(): string {
    return `createObject(${PD_LABELS[this.pd]})`;
  }
}

class Delegate extends AlwaysApplicable {
  constructor(
    readonly from: number,
    readonly index: number,
    readonly to: number,
  ) {
    super();
  }
  async run(model: Model, real: Real): Promise<void> {
    const selector = pickSelector(model, this.from, this.index);
    const object = pdAt(model, this.from).held.get(selector);
    const delegate = (): Selector => real.kernel.delegate(domainAt(real, this.from).pd, selector, domainAt(real, this.to).pd);
    if (object === undefined) expect(delegate).toThrow(InvalidCapabilityError);
    else recordReception(model, object, this.from, this.to, delegate());
    checkAgainstModel(model, real);
  }
  toString(): string {
    return `delegate(${PD_LABELS[this.from]}, #${this.index}, ${PD_LABELS[this.to]})`;
  }
}

class SendCapInCall extends AlwaysApplicable {
  constructor(
    readonly from: number,
    readonly index: number,
    readonly toServer: number,
  ) {
    super();
  }
  async run(model: Model, real: Real): Promise<void> {
    const selector = pickSelector(model, this.from, this.index);
    const object = pdAt(model, this.from).held.get(selector);
    const sender = domainAt(real, this.from);
    const server = domainAt(real, this.toServer);
    const mailbox = sender.mailboxes[this.toServer] as Selector;
    const servedBefore = server.served.length;
    const reply = await callFrom(sender, mailbox, [selector]);
    expect(reply.capCount).toBe(0);
    expect(server.served.length).toBe(servedBefore + 1);
    const arrived = server.served.at(-1);
    const mailboxObject = objectAt(model, pdAt(model, this.toServer).held.get(server.mailboxes[this.toServer] as Selector) ?? -1);
    expect(arrived?.badge).toBe(mailboxObject.badge);
    expect(arrived?.caps.length).toBe(1);
    const received = arrived?.caps[0] ?? -1;
    if (object === undefined) expect(received).toBe(INVALID_SELECTOR);
    else recordReception(model, object, this.from, this.toServer, received);
    checkAgainstModel(model, real);
  }
  toString(): string {
    return `sendCapInCall(${PD_LABELS[this.from]}, #${this.index}, ${PD_LABELS[this.toServer]})`;
  }
}

class Free extends AlwaysApplicable {
  constructor(
    readonly pd: number,
    readonly index: number,
  ) {
    super();
  }
  async run(model: Model, real: Real): Promise<void> {
    const selector = pickSelector(model, this.pd, this.index);
    const free = (): void => domainAt(real, this.pd).client.free(selector);
    if (pdAt(model, this.pd).held.has(selector)) {
      free();
      recordFree(model, this.pd, selector);
    } else {
      expect(free).toThrow(InvalidCapabilityError);
    }
    checkAgainstModel(model, real);
  }
  toString(): string {
    return `free(${PD_LABELS[this.pd]}, #${this.index})`;
  }
}

class Dissolve extends AlwaysApplicable {
  constructor(
    readonly pd: number,
    readonly index: number,
  ) {
    super();
  }
  async run(model: Model, real: Real): Promise<void> {
    const selector = pickSelector(model, this.pd, this.index);
    const object = pdAt(model, this.pd).held.get(selector);
    const dissolve = (): void => domainAt(real, this.pd).client.dissolve(selector);
    if (object === undefined) {
      expect(dissolve).toThrow(InvalidCapabilityError);
    } else if (objectAt(model, object).owner !== this.pd) {
      expect(dissolve).toThrow(NotOwnerError);
    } else {
      dissolve();
      recordDissolve(model, object);
    }
    checkAgainstModel(model, real);
  }
  toString(): string {
    return `dissolve(${PD_LABELS[this.pd]}, #${this.index})`;
  }
}

class Call extends AlwaysApplicable {
  constructor(
    readonly pd: number,
    readonly index: number,
  ) {
    super();
  }
  async run(model: Model, real: Real): Promise<void> {
    await checkCall(model, real, this.pd, pickSelector(model, this.pd, this.index));
    checkAgainstModel(model, real);
  }
  toString(): string {
    return `call(${PD_LABELS[this.pd]}, #${this.index})`;
  }
}

class ForgedCall extends AlwaysApplicable {
  constructor(
    readonly pd: number,
    readonly selector: number,
  ) {
    super();
  }
  async run(model: Model, real: Real): Promise<void> {
    await checkCall(model, real, this.pd, this.selector);
    checkAgainstModel(model, real);
  }
  toString(): string {
    return `forgedCall(${PD_LABELS[this.pd]}, ${this.selector})`;
  }
}

// ------------------------------------------------------------------ setup and property

/** Three PDs, each with a server and a client thread, and a mailbox every PD holds a capability to. */
function setup(): { model: Model; real: Real } {
  const kernel = createHwKernel({ capSpaceSize: 256 });
  const model: Model = { pds: [], objects: [], handOvers: new Set() };
  const real: Real = { kernel, domains: [], modelIdOf: new Map() };
  for (const label of PD_LABELS) {
    const pd = kernel.createPd(label);
    kernel.grantQuota(pd, { caps: CAP_QUOTA });
    const server = kernel.createThread(pd, `${label}.ep`);
    const served: ServedCall[] = [];
    server.serve({
      onCall(object, request) {
        served.push({ badge: object, caps: request.capList() });
        request.clear();
      },
      onSignal() {},
    });
    real.domains.push({ pd, server, client: kernel.createThread(pd, `${label}.client`), served, mailboxes: [] });
    model.pds.push({ held: new Map(), everHeld: new Set(), provenance: new Map() });
  }
  real.domains.forEach((owner, ownerIndex) => {
    const selector = owner.server.createRpcObject();
    const id = recordCreation(model, real, ownerIndex, selector, true);
    real.domains.forEach((holder, holderIndex) => {
      if (holderIndex === ownerIndex) {
        holder.mailboxes[ownerIndex] = selector;
        return;
      }
      const received = kernel.delegate(owner.pd, selector, holder.pd);
      recordReception(model, id, ownerIndex, holderIndex, received);
      holder.mailboxes[ownerIndex] = received;
    });
  });
  checkAgainstModel(model, real);
  return { model, real };
}

const pdIndex = fc.integer({ min: 0, max: PD_LABELS.length - 1 });
const selectorIndex = fc.nat({ max: 63 });

const commandArbitraries: fc.Arbitrary<ModelCommand>[] = [
  pdIndex.map((pd) => new CreateObject(pd)),
  fc.tuple(pdIndex, selectorIndex, pdIndex).map(([from, index, to]) => new Delegate(from, index, to)),
  fc.tuple(pdIndex, selectorIndex, pdIndex).map(([from, index, to]) => new SendCapInCall(from, index, to)),
  fc.tuple(pdIndex, selectorIndex).map(([pd, index]) => new Free(pd, index)),
  fc.tuple(pdIndex, selectorIndex).map(([pd, index]) => new Dissolve(pd, index)),
  fc.tuple(pdIndex, selectorIndex).map(([pd, index]) => new Call(pd, index)),
  fc.tuple(pdIndex, fc.integer({ min: -2, max: 48 })).map(([pd, selector]) => new ForgedCall(pd, selector)),
];

describe('hw seam against a reference model of capability spaces', () => {
  it('keeps every PD cap space, object liveness, provenance and cap quota as the model says, under any sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commandArbitraries, { maxCommands: MAX_COMMANDS, size: 'max' }), (commands) => fc.asyncModelRun(setup, commands)),
      { numRuns: NUM_RUNS },
    );
  });
});
