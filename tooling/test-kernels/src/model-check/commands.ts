import {
  INVALID_SELECTOR,
  type KernelThread,
  type Message,
  type ObjectKind,
  PAGE_SIZE,
  type QuotaAmount,
  type Selector,
} from '@os/kernel';
import {
  type ModelObject,
  type ModelPdId,
  type Prediction,
  type SeamModel,
  SpecViolation,
  fails,
} from '../model/index.js';
import { compareDestroyed, compareWithModel } from './compare.js';
import { Divergence, attempt, attemptSync, describeError, ensure, judge, same } from './divergence.js';
import { type Domain, ECHO, GIVE, LATER, ODD_SELECTORS, type World } from './world.js';

/** A step of a model-based run: fast-check's `AsyncCommand` over the model and the world. */
export interface ModelCommand {
  /** Always true: the model predicts every operation in every state, refusals included. */
  check(model: Readonly<SeamModel>): boolean;
  /** Does the operation on the kernel, checks it against the model, then compares the whole state. */
  run(model: SeamModel, world: World): Promise<void>;
  /** How the step reads in a counterexample. */
  toString(): string;
}

/**
 * Where a command takes a selector from, in the acting PD: one it holds (`held`), one it held once
 * (`stale`), one another PD holds now (`foreign`: the same number may name something else or nothing
 * here), a value no backend hands out (`odd`), or the mailbox of the PD in slot `index` (`mailbox`).
 */
export type Pool = 'held' | 'stale' | 'foreign' | 'odd' | 'mailbox';

/** A selector choice, resolved against the state when the command runs (so shrinking keeps it meaningful). */
export interface Pick {
  readonly pool: Pool;
  readonly index: number;
}

/** Dataspace sizes creation picks from: below, at and above page boundaries. */
export const DATASPACE_SIZES: readonly number[] = [
  4,
  100,
  PAGE_SIZE - 1,
  PAGE_SIZE,
  PAGE_SIZE + 1,
  3 * PAGE_SIZE,
  6 * PAGE_SIZE,
];
/** RAM amounts quota transfers pick from. */
export const RAM_AMOUNTS: readonly number[] = [0, 1, PAGE_SIZE, 2 * PAGE_SIZE + 5, 8 * PAGE_SIZE, 40 * PAGE_SIZE];
/** Capability amounts quota transfers pick from. */
export const CAP_AMOUNTS: readonly number[] = [0, 1, 2, 5, 13];

function describePick(pick: Pick): string {
  return `${pick.pool}#${pick.index}`;
}

/**
 * The selector `pick` names in `domain`. Mailboxes are left out where `mutating` (free, dissolve,
 * revoke), so capabilities can always travel; the backend's plumbing selectors are always left out.
 */
export function resolve(world: World, domain: Domain, pick: Pick, mutating = false): Selector {
  const space = world.spec.pd(domain.model).space;
  const usable = (selector: Selector): boolean => !domain.infra.has(selector);
  const candidates = (pool: Pool): Selector[] => {
    switch (pool) {
      case 'held':
        return space
          .entries()
          .filter(([selector, object]) => usable(selector) && !(mutating && world.mailboxes.has(object)))
          .map(([selector]) => selector);
      case 'stale':
        return space.everHeld().filter((selector) => usable(selector) && !space.holds(selector));
      case 'foreign': {
        const found = new Set<Selector>();
        for (const other of [...world.slots, ...world.graveyard.slice(-1)]) {
          if (other === domain) continue;
          for (const selector of world.spec.pd(other.model).space.everHeld())
            if (usable(selector) && !space.holds(selector)) found.add(selector);
        }
        return [...found].sort((x, y) => x - y);
      }
      case 'mailbox': {
        const target = world.domainAt(pick.index % (world.slots.length + 1));
        const selector = domain.mailboxes.get(target.model);
        return selector === undefined || !usable(selector) ? [] : [selector];
      }
      case 'odd':
        return ODD_SELECTORS.filter(usable);
    }
  };
  for (const pool of [pick.pool, 'held', 'stale', 'odd'] as const) {
    const found = candidates(pool);
    if (found.length > 0) return found[pick.index % found.length] as Selector;
  }
  return INVALID_SELECTOR;
}

/** Every domain, live or destroyed, with how many calls and signals it has been told of. */
function served(world: World): Map<Domain, [number, number]> {
  const counts = new Map<Domain, [number, number]>();
  for (const domain of world.domains.values()) counts.set(domain, [domain.calls.length, domain.signals.length]);
  return counts;
}

/** Checks that only `server` (if any) was told of exactly one new call, and nobody of a signal. */
function expectServed(world: World, before: Map<Domain, [number, number]>, server: Domain | null, what: string): void {
  for (const [domain, [calls, signals]] of before) {
    const newCalls = domain.calls.length - calls;
    if (newCalls !== (domain === server ? 1 : 0))
      world.fail(
        `${what}: ${domain.label}'s entrypoint was told of ${newCalls} calls, expected ${domain === server ? 1 : 0}`,
      );
    if (domain.signals.length !== signals) world.fail(`${what}: ${domain.label}'s entrypoint got a signal`);
  }
}

/**
 * Makes `thread`'s request carrying `caps`, asking for a reply of `mode` (with `given` selectors of the server for
 * `give`).
 */
function prepare(
  thread: KernelThread,
  caps: readonly Selector[],
  mode: ReplyMode,
  given: readonly Selector[] = [],
  later = false,
): void {
  const utcb = thread.utcb;
  utcb.clear();
  const flag = later ? LATER : 0;
  if (mode === 'give') {
    utcb.view.setUint32(0, GIVE | flag, true);
    utcb.view.setUint32(4, given.length, true);
    given.forEach((selector, i) => {
      utcb.view.setFloat64(8 + 8 * i, selector, true);
    });
    utcb.length = 8 + 8 * given.length;
  } else if (mode === 'echo' || later) {
    utcb.view.setUint32(0, (mode === 'echo' ? ECHO : 0) | flag, true);
    utcb.length = 4;
  }
  utcb.setCaps(caps);
}

/** Reads the stamp a dataspace's owner wrote into it at creation: its model id plus one. */
function stampOf(bytes: Uint8Array): number {
  return bytes.length < 4 ? -1 : new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) - 1;
}

/**
 * Uses `selector` of `domain` as an object of `kind` asks (call; submit and deliver; attach) and checks
 * that the use reaches `object`, or, with `object` null, that it is refused as an invalid capability
 * and reaches no one.
 */
export async function checkUse(
  world: World,
  domain: Domain,
  selector: Selector,
  kind: ObjectKind,
  object: ModelObject | null,
  what: string,
): Promise<void> {
  const { spec } = world;
  const before = served(world);
  if (kind === 'rpc-object') {
    prepare(domain.client, [], 'none');
    const outcome = await attempt(() => domain.client.call(selector));
    const result = judge(
      `${what}: call(${selector})`,
      object === null ? fails('InvalidCapabilityError') : spec.predictCall(domain.model, selector),
      outcome,
    );
    const server = result === undefined || object === null ? null : world.domainOf(object.owner);
    expectServed(world, before, server, `${what}: call(${selector})`);
    if (server !== null && object !== null)
      same(`${what}: badge told to ${server.label}`, server.calls.at(-1)?.badge, object.badge);
  } else if (kind === 'signal-context') {
    const outcome = attemptSync(() => domain.client.submitSignal(selector, 1));
    const result = judge(
      `${what}: submitSignal(${selector})`,
      object === null ? fails('InvalidCapabilityError') : spec.predictSubmit(domain.model, selector),
      outcome,
    );
    await world.kernel.settle();
    for (const [other, [calls, signals]] of before) {
      const expected = result !== undefined && object !== null && other.model === object.owner ? 1 : 0;
      if (other.signals.length - signals !== expected || other.calls.length !== calls)
        world.fail(`${what}: ${other.label} got ${other.signals.length - signals} signals, expected ${expected}`);
    }
    if (result !== undefined && object !== null)
      same(`${what}: signal delivered`, world.domainOf(object.owner).signals.at(-1), {
        imprint: object.imprint,
        count: 1,
      });
  } else {
    const outcome = attemptSync(() => domain.client.attach(selector));
    const result = judge(
      `${what}: attach(${selector})`,
      object === null ? fails('InvalidCapabilityError') : spec.predictAttach(domain.model, selector),
      outcome,
    );
    if (result !== undefined && object !== null) {
      same(`${what}: attached bytes`, result.value.length, object.size);
      same(`${what}: stamp in the attached bytes`, stampOf(result.value), object.id);
    }
    expectServed(world, before, null, what);
  }
}

/** Common frame of every command: count, act, then compare everything with the model. */
export abstract class Step implements ModelCommand {
  check(): boolean {
    return true;
  }

  async run(_model: SeamModel, world: World): Promise<void> {
    world.count();
    world.current = this.toString();
    try {
      await this.act(world);
      compareWithModel(world);
    } catch (error) {
      if (error instanceof Divergence || error instanceof SpecViolation)
        throw new Divergence(`${this.toString()}: ${error.message}`);
      throw error;
    }
  }

  /** The operation and its checks. */
  protected abstract act(world: World): Promise<void>;
  abstract toString(): string;
}

/** Creates an RPC object, a signal context or a dataspace from a PD's entrypoint. */
export class CreateObject extends Step {
  constructor(
    readonly slot: number,
    readonly kind: ObjectKind,
    readonly sizeIndex: number,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const thread = domain.server;
    const size = DATASPACE_SIZES[this.sizeIndex % DATASPACE_SIZES.length] as number;
    const parameters =
      this.kind === 'signal-context' ? { imprint: world.nextImprint() } : this.kind === 'dataspace' ? { size } : {};
    const prediction = world.spec.predictCreate(domain.model, this.kind, parameters);
    const outcome = attemptSync(() =>
      this.kind === 'rpc-object'
        ? thread.createRpcObject()
        : this.kind === 'signal-context'
          ? thread.createSignalContext(parameters.imprint as number)
          : thread.allocDataspace(size),
    );
    const result = judge(`${domain.label} creates a ${this.kind}`, prediction, outcome);
    if (result === undefined) return;
    const id = world.learn(domain.model, domain.pd, this.kind, result.value, parameters);
    if (this.kind !== 'dataspace') return;
    const bytes = thread.attach(result.value);
    same(`${domain.label}: new dataspace size`, [bytes.length, thread.dataspaceSize(result.value)], [size, size]);
    ensure(
      bytes.every((byte) => byte === 0),
      `${world.name} ${domain.label}: a new dataspace is not zeroed`,
    );
    new DataView(bytes.buffer, bytes.byteOffset, 4).setUint32(0, id + 1, true);
    world.views.set(id, [bytes]);
  }

  toString(): string {
    return (
      `create(${this.slot}, ` +
      `${this.kind}${this.kind === 'dataspace' ? ` ${DATASPACE_SIZES[this.sizeIndex % DATASPACE_SIZES.length]}B` : ''})`
    );
  }
}

/** `Kernel.delegate`: core copies a PD's capability to another PD. */
export class Delegate extends Step {
  constructor(
    readonly from: number,
    readonly pick: Pick,
    readonly to: number,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const from = world.domainAt(this.from);
    const to = world.domainAt(this.to);
    const selector = resolve(world, from, this.pick);
    const prediction = world.spec.predictDelegate(from.model, selector, to.model);
    const outcome = attemptSync(() => world.kernel.delegate(from.pd, selector, to.pd));
    const result = judge(`delegate ${from.label}:${selector} to ${to.label}`, prediction, outcome);
    if (result !== undefined) world.spec.recordDelegate(from.model, selector, to.model, result.value);
  }

  toString(): string {
    return `delegate(${this.from}, ${describePick(this.pick)}, ${this.to})`;
  }
}

/**
 * What a called server replies: nothing, the capabilities it received (`echo`), or capabilities of its own (`give`).
 */
export type ReplyMode = 'none' | 'echo' | 'give';

/**
 * A call from a PD's client thread through a selector, carrying up to four capabilities. The server
 * replies with nothing, with the capabilities it got (which must come back as the client's own
 * selectors), or with up to four selectors of its own space (`gives`, resolved there), which arrive
 * translated into the client's space like any capability in a message.
 */
export class Call extends Step {
  constructor(
    readonly slot: number,
    readonly target: Pick,
    readonly caps: readonly Pick[],
    readonly reply: ReplyMode,
    readonly gives: readonly Pick[],
    readonly later = false,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const { spec } = world;
    const domain = world.domainAt(this.slot);
    const target = resolve(world, domain, this.target);
    const sent = this.caps.map((pick) => resolve(world, domain, pick));
    const call = spec.predictCall(domain.model, target);
    const server = call.success === null ? null : world.domainOf(call.success.server);
    const given =
      server === null || this.reply !== 'give' ? [] : this.gives.map((pick) => resolve(world, server, pick));
    const what =
      `${domain.label} calls ${target} carrying ` +
      `[${sent.join(', ')}]${given.length > 0 ? ` for [${given.join(', ')}] of ${server?.label}` : ''}`;
    let prediction: Prediction<unknown> = call;
    if (server !== null) {
      const carry = spec.predictCarry(domain.model, sent, server.model);
      prediction = carry.success === null ? carry : { success: call.success, errors: carry.errors };
    }
    const before = served(world);
    prepare(domain.client, sent, this.reply, given, this.later);
    const outcome = await attempt(() => domain.client.call(target));
    const result = judge(what, prediction, outcome);
    const request = server?.calls.at(-1);
    const reached = server !== null && server.calls.length === (before.get(server)?.[0] ?? 0) + 1;
    expectServed(world, before, reached ? server : null, what);
    if (!reached || server === null || call.success === null) {
      if (outcome.ok) world.fail(`${what}: succeeded without reaching ${server?.label ?? 'a server'}`);
      return;
    }
    same(`${what}: badge told to ${server.label}`, request?.badge, call.success.badge);
    spec.recordCarry(domain.model, sent, server.model, request?.caps ?? [], request?.fresh ?? 0);
    if (result === undefined)
      world.fail(`${what}: reached ${server.label}, then threw ${describeError(outcome.ok ? null : outcome.error)}`);
    // a reply is never refused once the server acted: capabilities that find no room arrive as the invalid capability
    const back = this.reply === 'echo' ? (request?.caps ?? []) : given;
    const lossy = spec.predictCarry(server.model, back, domain.model).errors.includes('CapSpaceExhaustedError');
    const reply: Message = result.value;
    if (this.reply === 'none') same(`${what}: reply`, [reply.length, reply.capCount, reply.freshCaps], [0, 0, 0]);
    else spec.recordCarry(server.model, back, domain.model, reply.capList(), reply.freshCaps, lossy);
  }

  toString(): string {
    const reply =
      this.reply === 'none'
        ? ''
        : this.reply === 'echo'
          ? ', echo'
          : `, give [${this.gives.map(describePick).join(', ')}]`;
    return (
      `call(${this.slot}, ${describePick(this.target)}, ` +
      `[${this.caps.map(describePick).join(', ')}]${reply}${this.later ? ', later' : ''})`
    );
  }
}

/** `free`: a PD drops its own capability. */
export class Free extends Step {
  constructor(
    readonly slot: number,
    readonly pick: Pick,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const selector = resolve(world, domain, this.pick, true);
    const prediction = world.spec.predictFree(domain.model, selector);
    const outcome = attemptSync(() => domain.client.free(selector));
    if (judge(`${domain.label} frees ${selector}`, prediction, outcome) === undefined || prediction.success === null)
      return;
    const kind = world.spec.object(prediction.success).kind;
    world.spec.free(domain.model, selector);
    await checkUse(world, domain, selector, kind, null, `${domain.label} uses freed ${selector}`);
  }

  toString(): string {
    return `free(${this.slot}, ${describePick(this.pick)})`;
  }
}

/** `dissolve`: the owner destroys an object; afterwards no capability to it works anywhere. */
export class Dissolve extends Step {
  constructor(
    readonly slot: number,
    readonly pick: Pick,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const selector = resolve(world, domain, this.pick, true);
    const prediction = world.spec.predictDissolve(domain.model, selector);
    const outcome = attemptSync(() => domain.client.dissolve(selector));
    const result = judge(`${domain.label} dissolves ${selector}`, prediction, outcome);
    if (result === undefined || prediction.success === null) return;
    const object = world.spec.object(prediction.success);
    const holders = world.spec.dissolve(domain.model, selector);
    await checkDissolved(world, object, holders);
  }

  toString(): string {
    return `dissolve(${this.slot}, ${describePick(this.pick)})`;
  }
}

/** Checks that no former holder of a dissolved object reaches it, and that its memory is gone from every view. */
export async function checkDissolved(
  world: World,
  object: ModelObject,
  holders: readonly [ModelPdId, Selector][],
): Promise<void> {
  for (const [pd, selector] of holders) {
    const holder = world.domainOf(pd);
    if (!world.spec.pd(pd).alive) continue;
    await checkUse(
      world,
      holder,
      selector,
      object.kind,
      null,
      `after dissolving object ${object.id}, ${holder.label} uses ${selector}`,
    );
  }
  for (const view of world.views.get(object.id) ?? [])
    if (view.length !== 0) world.fail(`a view of dissolved dataspace ${object.id} still shows ${view.length} bytes`);
  world.views.delete(object.id);
}

/** `submitSignal`: the owner's entrypoint is told once, with the context's imprint and the count. */
export class Submit extends Step {
  constructor(
    readonly slot: number,
    readonly pick: Pick,
    readonly times: number,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const selector = resolve(world, domain, this.pick);
    const prediction = world.spec.predictSubmit(domain.model, selector);
    const before = served(world);
    const outcome = attemptSync(() => domain.client.submitSignal(selector, this.times));
    const result = judge(`${domain.label} submits ${selector} ${this.times} times`, prediction, outcome);
    await world.kernel.settle();
    for (const [other, [calls, signals]] of before) {
      const expected =
        result !== undefined && prediction.success !== null && other.model === prediction.success.receiver ? 1 : 0;
      if (other.signals.length - signals !== expected || other.calls.length !== calls) {
        world.fail(
          `${domain.label} submits ${selector}: ${other.label} was told of ${other.signals.length - signals} ` +
            `signals and ${other.calls.length - calls} calls, expected ${expected} signals`,
        );
      }
    }
    if (result !== undefined && prediction.success !== null) {
      same(
        `${domain.label} submits ${selector}: delivery`,
        world.domainOf(prediction.success.receiver).signals.at(-1),
        { imprint: prediction.success.imprint, count: this.times },
      );
    }
  }

  toString(): string {
    return `submit(${this.slot}, ${describePick(this.pick)}, ${this.times})`;
  }
}

/** `attach` and `dataspaceSize`: the bytes of the dataspace named, which its owner stamped. */
export class Attach extends Step {
  constructor(
    readonly slot: number,
    readonly pick: Pick,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const selector = resolve(world, domain, this.pick);
    const prediction = world.spec.predictAttach(domain.model, selector);
    const what = `${domain.label} attaches ${selector}`;
    const outcome = attemptSync(() => domain.client.attach(selector));
    const result = judge(what, prediction, outcome);
    const size = attemptSync(() => domain.client.dataspaceSize(selector));
    const sized = judge(`${domain.label} asks the size of ${selector}`, prediction, size);
    if (result === undefined || prediction.success === null) return;
    same(
      `${what}: length and dataspaceSize`,
      [result.value.length, sized?.value],
      [prediction.success.size, prediction.success.size],
    );
    same(`${what}: stamp`, stampOf(result.value), prediction.success.object);
    world.views.get(prediction.success.object)?.push(result.value);
  }

  toString(): string {
    return `attach(${this.slot}, ${describePick(this.pick)})`;
  }
}

/** Uses every capability a PD holds by its kind (and `kindOf` on it and on a stale one): each reaches its object. */
export class Probe extends Step {
  constructor(
    readonly slot: number,
    readonly stale: Pick,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const pd = world.spec.pd(domain.model);
    for (const [selector, id] of pd.space.entries()) {
      const object = world.spec.object(id);
      const kind = attemptSync(() => domain.client.kindOf(selector));
      same(`${domain.label} kindOf(${selector})`, kind.ok ? kind.value : describeError(kind.error), object.kind);
      await checkUse(world, domain, selector, object.kind, object, `${domain.label} probes ${selector}`);
    }
    const selector = resolve(world, domain, this.stale);
    judge(
      `${domain.label} kindOf(${selector})`,
      world.spec.predictKindOf(domain.model, selector),
      attemptSync(() => domain.client.kindOf(selector)),
    );
  }

  toString(): string {
    return `probe(${this.slot}, ${describePick(this.stale)})`;
  }
}

/** `transferQuota`: only unused quota moves. */
export class TransferQuota extends Step {
  constructor(
    readonly from: number,
    readonly to: number,
    readonly ramIndex: number,
    readonly capsIndex: number,
  ) {
    super();
  }

  get amount(): Required<QuotaAmount> {
    return {
      ram: RAM_AMOUNTS[this.ramIndex % RAM_AMOUNTS.length] as number,
      caps: CAP_AMOUNTS[this.capsIndex % CAP_AMOUNTS.length] as number,
    };
  }

  protected async act(world: World): Promise<void> {
    const from = world.domainAt(this.from);
    const to = world.domainAt(this.to);
    const amount = this.amount;
    const prediction = world.spec.predictQuotaTransfer(from.model, to.model, amount);
    const outcome = attemptSync(() => world.kernel.transferQuota(from.pd, to.pd, amount));
    if (
      judge(`transfer ram=${amount.ram} caps=${amount.caps} from ${from.label} to ${to.label}`, prediction, outcome) !==
      undefined
    ) {
      world.spec.transferQuota(from.model, to.model, amount);
    }
  }

  toString(): string {
    return `transferQuota(${this.from}, ${this.to}, ram=${this.amount.ram}, caps=${this.amount.caps})`;
  }
}

/** `grantQuota`: core adds quota out of the machine's resources. */
export class GrantQuota extends Step {
  constructor(
    readonly slot: number,
    readonly ramIndex: number,
    readonly capsIndex: number,
  ) {
    super();
  }

  get amount(): Required<QuotaAmount> {
    return {
      ram: RAM_AMOUNTS[this.ramIndex % RAM_AMOUNTS.length] as number,
      caps: CAP_AMOUNTS[this.capsIndex % CAP_AMOUNTS.length] as number,
    };
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const amount = this.amount;
    const outcome = attemptSync(() => world.kernel.grantQuota(domain.pd, amount));
    if (
      judge(
        `grant ram=${amount.ram} caps=${amount.caps} to ${domain.label}`,
        world.spec.predictGrant(domain.model),
        outcome,
      ) !== undefined
    ) {
      world.spec.grantQuota(domain.model, amount, 'machine');
    }
  }

  toString(): string {
    return `grantQuota(${this.slot}, ram=${this.amount.ram}, caps=${this.amount.caps})`;
  }
}

/** `destroyPd`: its objects dissolve everywhere, its holdings go, its quota comes back; a fresh PD takes its slot. */
export class DestroyPd extends Step {
  constructor(readonly slot: number) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const prediction = world.spec.predictDestroyPd(domain.model);
    const former = world.spec.pd(domain.model).space.everHeld();
    const objects = world.spec.objects
      .filter((object) => object.owner === domain.model && object.life !== 'dissolved')
      .map((object) => ({ object, holders: world.spec.holders(object.id) }));
    const outcome = attemptSync(() => world.kernel.destroyPd(domain.pd));
    const result = judge(`destroyPd(${domain.label})`, prediction, outcome);
    if (result === undefined) return;
    same(`destroyPd(${domain.label}) returned quota`, result.value, prediction.success);
    world.spec.destroyPd(domain.model);
    compareDestroyed(world, domain, former);
    await world.kernel.settle();
    for (const { object, holders } of objects) await checkDissolved(world, object, holders);
    const slot = world.slots.indexOf(domain);
    world.graveyard.push(domain);
    if (slot >= 0) world.spawn(slot);
  }

  toString(): string {
    return `destroyPd(${this.slot})`;
  }
}
