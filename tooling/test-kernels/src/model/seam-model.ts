import { INVALID_SELECTOR, type ObjectKind, type QuotaAmount, type Selector } from '@os/kernel';
import { ModelCapSpace } from './cap-space.js';
import { type DerivationPolicy, DerivationTree, ORIGINAL } from './derivation.js';
import type { ModelObjectId, ModelPdId } from './ids.js';
import { type ModelObject, type ObjectParameters, creationCharge, exists } from './objects.js';
import { type Prediction, type SeamErrorName, fails, succeeds } from './prediction.js';
import { Provenance } from './provenance.js';
import {
  type QuotaAccount,
  accountViolations,
  emptyAccount,
  freeCaps,
  freeRam,
  shortfall,
  wholeAmount,
} from './quota.js';
import { SpecViolation } from './violation.js';

/** The slots a cap-slot bitmask names, for messages. */
function slotList(mask: number): string {
  const slots: number[] = [];
  for (let i = 0; i < 32; i++) if ((mask & (1 << i)) !== 0) slots.push(i);
  return slots.join(', ');
}

/** Sizes and the native derivation the model follows. */
export interface SeamModelOptions {
  /** Slots of each PD's capability space (`Kernel.capSpaceSize`). */
  readonly capSpaceSize: number;
  /**
   * How many slots before the space is full a backend may already refuse a new entry with
   * `CapSpaceExhaustedError` (default 1: seL4 keeps selector 0 out of its `capSpaceSize` slots).
   * With more free slots than this, a new entry must succeed; with none, it must be refused.
   */
  readonly capSpaceSlack?: number;
  /** What a native revoke takes with it (see {@link DerivationPolicy}); irrelevant to the seam itself. */
  readonly derivation: DerivationPolicy;
  /**
   * The backend takes a message's capabilities into one aligned receive window of 2^⌈log2 n⌉ free
   * slots (NOVA, as Genode's receive window there), so a fragmented space may have free slots but no
   * window. Such a backend may refuse a message that brings anything new once the receiver's slots in
   * use reach the number of aligned windows its space has (below that, one is free by counting).
   */
  readonly receiveWindows?: boolean;
}

/** A protection domain as the specification sees it. */
export interface ModelPd {
  /** The model's name for it. */
  readonly id: ModelPdId;
  /** Its label, for messages. */
  readonly label: string;
  /** False once destroyed: every operation by or on it is then refused with `DestroyedError`. */
  alive: boolean;
  /** Its quota and use. */
  readonly quota: QuotaAccount;
  /**
   * Capabilities of its quota a backend charged for plumbing it made on the PD's behalf (see {@link
   * SeamModel.chargePlumbing}).
   */
  plumbing: number;
  /** Its capability space. */
  readonly space: ModelCapSpace;
}

/** Where a call through a live capability goes: the owner's entrypoint, told the object's badge. */
export interface CallTarget {
  /** The object called. */
  readonly object: ModelObjectId;
  /** The PD whose entrypoint serves it: its owner. */
  readonly server: ModelPdId;
  /** What the server's `onCall` is told. */
  readonly badge: Selector;
}

/** Where a signal submitted through a live capability goes. */
export interface SignalTarget {
  /** The signal context. */
  readonly object: ModelObjectId;
  /** The PD whose entrypoint receives it: its owner. */
  readonly receiver: ModelPdId;
  /** What `onSignal` is told. */
  readonly imprint: number;
}

/** What attaching a live dataspace capability shows. */
export interface DataspaceView {
  /** The dataspace. */
  readonly object: ModelObjectId;
  /** Its size in bytes: the length of the attached bytes. */
  readonly size: number;
}

/** How one capability carried in a message (or delegated) arrives. */
export interface CarriedCap {
  /** The object it names, or null: the sender held nothing there, so it arrives as `INVALID_SELECTOR`. */
  readonly object: ModelObjectId | null;
  /**
   * The receiver's selector it must arrive under: the one it already holds the object at, or, for an
   * owner getting its own object back, the object's badge. Null when the backend picks a fresh one.
   */
  readonly selector: Selector | null;
}

/** What destroying a PD does. */
export interface Destruction {
  /** The quota it returns: its whole limits (its objects are dissolved, so nothing of them stays used). */
  readonly returned: Required<QuotaAmount>;
  /** The objects it owned, dissolved with it. */
  readonly dissolved: ModelObjectId[];
}

/** What a native revoke took. */
export interface Revocation {
  /** The PDs whose holding of the object went. */
  readonly lost: ModelPdId[];
}

/**
 * The executable specification of the `@os/kernel` seam's capability and quota behaviour:
 * capability spaces per PD, object identities, delegation (a PD holds an object at one selector),
 * free and dissolve, quota (grant, transfer, charge on creation, refund on dissolve and PD
 * destruction, never negative, nothing leaked), where calls, signals and attaches through a
 * selector go, how capabilities in messages are translated, and PD destruction.
 *
 * Each operation comes as a `predict…` (what the seam allows: a result or the typed refusals) and a
 * recorder that applies it once the backend did it, taking what the backend chose (selector numbers)
 * and throwing {@link SpecViolation} if that choice breaks a rule: a selector already in use, an owner
 * not getting its own object back under its badge, a second selector for one object.
 */
export class SeamModel {
  /** Every PD ever created, live or destroyed. */
  readonly pds = new Map<ModelPdId, ModelPd>();
  /** Every object ever created, by id. */
  readonly objects: ModelObject[] = [];
  /** Hand-over chains of every holding. */
  readonly provenance = new Provenance();
  /** Native derivation of every holding. */
  readonly derivation: DerivationTree;
  /** Slots per capability space. */
  readonly capSpaceSize: number;
  /** See {@link SeamModelOptions.capSpaceSlack}. */
  readonly capSpaceSlack: number;
  /** See {@link SeamModelOptions.receiveWindows}. */
  readonly receiveWindows: boolean;
  /** Quota ever granted out of nothing (`grantQuota` from the machine). */
  readonly granted = { ram: 0, caps: 0 };
  /** Quota destroyed PDs returned that was not granted again: with the live PDs' limits, always what was granted. */
  readonly reclaimed = { ram: 0, caps: 0 };
  #nextPd = 1;

  /** Creates the model of a kernel with no PDs. */
  constructor(options: SeamModelOptions) {
    this.capSpaceSize = options.capSpaceSize;
    this.capSpaceSlack = options.capSpaceSlack ?? 1;
    this.receiveWindows = options.receiveWindows ?? false;
    this.derivation = new DerivationTree(options.derivation);
  }

  // ------------------------------------------------------------------ lookups

  /** The PD `id`; throws if the model never made it. */
  pd(id: ModelPdId): ModelPd {
    const pd = this.pds.get(id);
    if (pd === undefined) throw new SpecViolation(`the model has no PD ${id}`);
    return pd;
  }

  /** The object `id`; throws if the model never made it. */
  object(id: ModelObjectId): ModelObject {
    const object = this.objects[id];
    if (object === undefined) throw new SpecViolation(`the model has no object ${id}`);
    return object;
  }

  /** The live PDs, in creation order. */
  livePds(): ModelPd[] {
    return [...this.pds.values()].filter((pd) => pd.alive);
  }

  /** The object `pd` holds at `selector`, if it is alive and does. */
  heldAt(pd: ModelPdId, selector: Selector): ModelObject | undefined {
    const holder = this.pd(pd);
    if (!holder.alive) return undefined;
    const id = holder.space.objectAt(selector);
    return id === undefined ? undefined : this.object(id);
  }

  /** Whether `valid(selector)` is true in `pd`: it is alive and holds an object there. */
  valid(pd: ModelPdId, selector: Selector): boolean {
    return this.heldAt(pd, selector) !== undefined;
  }

  /** The PDs holding `object`, with their selectors. */
  holders(object: ModelObjectId): [ModelPdId, Selector][] {
    const found: [ModelPdId, Selector][] = [];
    for (const pd of this.pds.values()) {
      const selector = pd.space.selectorOf(object);
      if (selector !== undefined) found.push([pd.id, selector]);
    }
    return found;
  }

  // ------------------------------------------------------------------ PDs

  /** `createPd(label)`: an empty capability space and no quota. */
  createPd(label: string): ModelPdId {
    const id = this.#nextPd++;
    this.pds.set(id, { id, label, alive: true, quota: emptyAccount(), space: new ModelCapSpace(), plumbing: 0 });
    return id;
  }

  /**
   * Records that the backend charged `caps` of the PD's capability quota for kernel objects it made
   * on the PD's behalf rather than for seam objects: hw charges the signal receiver an entrypoint gets
   * with its first signal context (base-hw's `new_signal_receiver`), NOVA and seL4 fund such plumbing
   * from core. The seam leaves this to the backend; the harness learns it once, when it sets a PD up,
   * and from then on it counts as used quota that only the PD's destruction gives back.
   */
  chargePlumbing(id: ModelPdId, caps: number): void {
    const pd = this.#live(id, 'chargePlumbing');
    if (!Number.isSafeInteger(caps) || caps < 0 || freeCaps(pd.quota) < caps)
      throw new SpecViolation(`PD ${id}: a plumbing charge of ${caps} capabilities does not fit its quota`);
    pd.plumbing += caps;
    pd.quota.capUsed += caps;
  }

  /** `destroyPd`: refused for a PD already destroyed. */
  predictDestroyPd(id: ModelPdId): Prediction<Required<QuotaAmount>> {
    const pd = this.pd(id);
    if (!pd.alive) return fails('DestroyedError');
    return succeeds({ ram: pd.quota.ramLimit, caps: pd.quota.capLimit });
  }

  /**
   * Destroys a PD: every object it owns is dissolved (in every PD), every capability it holds is
   * dropped (other holders keep theirs, including those it handed on), and its whole limits come back.
   */
  destroyPd(id: ModelPdId): Destruction {
    const pd = this.#live(id, 'destroyPd');
    const dissolved: ModelObjectId[] = [];
    for (const object of this.objects) {
      if (object.owner === id && exists(object)) {
        this.#dissolve(object);
        dissolved.push(object.id);
      }
    }
    for (const object of pd.space.clear()) this.#forget(object, id);
    const returned = { ram: pd.quota.ramLimit, caps: pd.quota.capLimit };
    if (pd.quota.ramUsed !== 0 || pd.quota.capUsed !== pd.plumbing)
      throw new SpecViolation(`PD ${id} still uses quota after its objects were dissolved`);
    pd.quota.ramLimit = 0;
    pd.quota.capLimit = 0;
    pd.quota.capUsed = 0;
    pd.plumbing = 0;
    pd.alive = false;
    this.reclaimed.ram += returned.ram;
    this.reclaimed.caps += returned.caps;
    return { returned, dissolved };
  }

  // ------------------------------------------------------------------ quota

  /**
   * `grantQuota`: adds to the PD's limits, out of the machine (`machine`) or out of quota destroyed
   * PDs returned (`reclaimed`, as core hands a dead child's quota to a new one).
   */
  grantQuota(id: ModelPdId, amount: QuotaAmount, source: 'machine' | 'reclaimed'): void {
    const pd = this.#live(id, 'grantQuota');
    const { ram, caps } = wholeAmount(amount);
    if (source === 'reclaimed') {
      if (this.reclaimed.ram < ram || this.reclaimed.caps < caps)
        throw new SpecViolation('granting more reclaimed quota than destroyed PDs returned');
      this.reclaimed.ram -= ram;
      this.reclaimed.caps -= caps;
    } else {
      this.granted.ram += ram;
      this.granted.caps += caps;
    }
    pd.quota.ramLimit += ram;
    pd.quota.capLimit += caps;
  }

  /** `grantQuota`: refused for a destroyed PD. */
  predictGrant(id: ModelPdId): Prediction<void> {
    return this.pd(id).alive ? succeeds(undefined) : fails('DestroyedError');
  }

  /** `transferQuota`: only unused quota moves; otherwise `QuotaExceededError` and nothing changes. */
  predictQuotaTransfer(from: ModelPdId, to: ModelPdId, amount: QuotaAmount): Prediction<void> {
    const source = this.pd(from);
    if (!source.alive || !this.pd(to).alive) return fails('DestroyedError');
    if (shortfall(source.quota, wholeAmount(amount)).length > 0) return fails('QuotaExceededError');
    return succeeds(undefined);
  }

  /** Applies a transfer the backend made. */
  transferQuota(from: ModelPdId, to: ModelPdId, amount: QuotaAmount): void {
    const source = this.#live(from, 'transferQuota');
    const target = this.#live(to, 'transferQuota');
    const { ram, caps } = wholeAmount(amount);
    if (shortfall(source.quota, { ram, caps }).length > 0)
      throw new SpecViolation(`PD ${from} transferred quota it did not have free`);
    source.quota.ramLimit -= ram;
    source.quota.capLimit -= caps;
    target.quota.ramLimit += ram;
    target.quota.capLimit += caps;
  }

  // ------------------------------------------------------------------ objects

  /**
   * `createRpcObject` / `createSignalContext` / `allocDataspace` by a thread of `pd`: costs one
   * capability of quota, a dataspace also its page-rounded size of RAM, and one slot.
   */
  predictCreate(pd: ModelPdId, kind: ObjectKind, parameters: ObjectParameters = {}): Prediction<void> {
    const creator = this.pd(pd);
    if (!creator.alive) return fails('DestroyedError');
    const must: SeamErrorName[] = [];
    const may: SeamErrorName[] = [];
    const charge = creationCharge(kind, parameters);
    if (freeCaps(creator.quota) < charge.caps || freeRam(creator.quota) < charge.ram) must.push('QuotaExceededError');
    this.#roomFor(creator, 1, must, may);
    return must.length > 0 ? fails(...must, ...may) : { success: undefined, errors: may };
  }

  /** Records an object `pd` created under `selector` (the backend's choice, which must be free). */
  recordCreate(pd: ModelPdId, kind: ObjectKind, selector: Selector, parameters: ObjectParameters = {}): ModelObjectId {
    const creator = this.#live(pd, 'create');
    const charge = creationCharge(kind, parameters);
    if (freeCaps(creator.quota) < charge.caps || freeRam(creator.quota) < charge.ram)
      throw new SpecViolation(`PD ${pd} created a ${kind} beyond its quota`);
    this.#checkFresh(creator, selector, null);
    const id = this.objects.length;
    this.objects.push({
      id,
      kind,
      owner: pd,
      badge: selector,
      imprint: parameters.imprint ?? 0,
      size: parameters.size ?? 0,
      ramCharge: charge.ram,
      capCharge: charge.caps,
      life: 'live',
    });
    creator.space.bind(selector, id);
    this.provenance.created(id, pd);
    this.derivation.derive(id, pd, ORIGINAL);
    creator.quota.capUsed += charge.caps;
    creator.quota.ramUsed += charge.ram;
    return id;
  }

  /** `free`: drops the PD's own entry; other holders keep theirs; no quota moves. */
  predictFree(pd: ModelPdId, selector: Selector): Prediction<ModelObjectId> {
    const holder = this.pd(pd);
    if (!holder.alive) return fails('DestroyedError');
    const object = holder.space.objectAt(selector);
    return object === undefined ? fails('InvalidCapabilityError') : succeeds(object);
  }

  /** Applies a `free` that succeeded. */
  free(pd: ModelPdId, selector: Selector): void {
    const holder = this.#live(pd, 'free');
    const object = holder.space.objectAt(selector);
    if (object === undefined) throw new SpecViolation(`PD ${pd} freed selector ${selector}, which names nothing`);
    holder.space.unbind(object);
    this.#forget(object, pd);
  }

  /** `dissolve`: only the owner; then no capability to the object works in any PD and its quota is refunded. */
  predictDissolve(pd: ModelPdId, selector: Selector): Prediction<ModelObjectId> {
    const holder = this.pd(pd);
    if (!holder.alive) return fails('DestroyedError');
    const object = holder.space.objectAt(selector);
    if (object === undefined) return fails('InvalidCapabilityError');
    if (this.object(object).owner !== pd) return fails('NotOwnerError');
    return succeeds(object);
  }

  /** Applies a `dissolve` that succeeded; returns the PDs that held the object, with their selectors. */
  dissolve(pd: ModelPdId, selector: Selector): [ModelPdId, Selector][] {
    const object = this.heldAt(pd, selector);
    if (object === undefined || object.owner !== pd)
      throw new SpecViolation(`PD ${pd} dissolved selector ${selector}, which is no object it owns`);
    const holders = this.holders(object.id);
    this.#dissolve(object);
    return holders;
  }

  // ------------------------------------------------------------------ capabilities moving

  /** `delegate(from, selector, to)`: the receiver gets the same object, under its existing entry if it has one. */
  predictDelegate(from: ModelPdId, selector: Selector, to: ModelPdId): Prediction<CarriedCap> {
    const sender = this.pd(from);
    const receiver = this.pd(to);
    if (!sender.alive || !receiver.alive) return fails('DestroyedError');
    const object = sender.space.objectAt(selector);
    if (object === undefined) return fails('InvalidCapabilityError');
    const carried = this.#arrival(receiver, object);
    const must: SeamErrorName[] = [];
    const may: SeamErrorName[] = [];
    this.#roomFor(receiver, this.#slotsNeeded(receiver, [object]), must, may);
    return must.length > 0 ? fails(...must, ...may) : { success: carried, errors: may };
  }

  /** Records a delegation the backend made: `received` is the receiver's selector it returned. */
  recordDelegate(from: ModelPdId, selector: Selector, to: ModelPdId, received: Selector): ModelObjectId {
    const object = this.#live(from, 'delegate').space.objectAt(selector);
    if (object === undefined) throw new SpecViolation(`PD ${from} delegated selector ${selector}, which names nothing`);
    this.#receive(to, object, from, received);
    return object;
  }

  /**
   * The capabilities `selectors` of `from` carried in a message to `to`: each arrives translated into
   * `to`'s space (the same object twice, or one `to` already holds, under one entry), or as
   * `INVALID_SELECTOR` if `from` holds nothing there. If `to` has no room for the new entries, a
   * request is refused with `CapSpaceExhaustedError` and nothing arrives; a reply, which cannot be
   * refused once the server has acted, arrives with the capabilities that found no room invalid
   * (record it with `lossy`).
   */
  predictCarry(from: ModelPdId, selectors: readonly Selector[], to: ModelPdId): Prediction<CarriedCap[]> {
    const sender = this.pd(from);
    const receiver = this.pd(to);
    if (!sender.alive || !receiver.alive) return fails('DestroyedError');
    const carried: CarriedCap[] = [];
    const objects: ModelObjectId[] = [];
    for (const selector of selectors) {
      const object = sender.space.objectAt(selector);
      if (object === undefined) carried.push({ object: null, selector: null });
      else {
        carried.push(this.#arrival(receiver, object));
        objects.push(object);
      }
    }
    const must: SeamErrorName[] = [];
    const may: SeamErrorName[] = [];
    this.#roomFor(receiver, this.#slotsNeeded(receiver, objects), must, may);
    if (
      this.receiveWindows &&
      may.length + must.length === 0 &&
      objects.some((id) => receiver.space.selectorOf(id) === undefined)
    ) {
      const order = selectors.length <= 1 ? 0 : Math.ceil(Math.log2(selectors.length));
      const windows = Math.floor(this.capSpaceSize / 2 ** order);
      if (this.occupancy(receiver) >= windows - this.capSpaceSlack) may.push('CapSpaceExhaustedError');
    }
    return must.length > 0 ? fails(...must, ...may) : { success: carried, errors: may };
  }

  /**
   * Records what arrived of a message's capabilities: `received[i]` is the receiver's selector for
   * `sent[i]`, and bit `i` of `fresh` (`Message.freshCaps`) says it made a new entry there: set exactly
   * where the receiver did not hold the object before that slot (an object carried twice is new in
   * its first slot only; one held before, or arriving invalid, never). With `lossy` (a reply whose
   * receiver lacked room, see {@link SeamModel.predictCarry}), a capability may instead arrive as
   * `INVALID_SELECTOR`: lost, not delivered.
   */
  recordCarry(
    from: ModelPdId,
    sent: readonly Selector[],
    to: ModelPdId,
    received: readonly Selector[],
    fresh: number,
    lossy = false,
  ): void {
    if (sent.length !== received.length)
      throw new SpecViolation(`${sent.length} capabilities sent, ${received.length} arrived`);
    const sender = this.#live(from, 'carry');
    const receiver = this.#live(to, 'carry');
    let expected = 0;
    sent.forEach((selector, i) => {
      const arrived = received[i] as Selector;
      const object = sender.space.objectAt(selector);
      if (object === undefined) {
        if (arrived !== INVALID_SELECTOR)
          throw new SpecViolation(
            `selector ${selector}, which names nothing in PD ${from}, arrived as ${arrived} instead of the invalid ` +
              `capability`,
          );
        return;
      }
      if (lossy && arrived === INVALID_SELECTOR) return;
      if (receiver.space.selectorOf(object) === undefined) expected |= 1 << i;
      this.#receive(to, object, from, arrived);
    });
    if (fresh !== expected) {
      throw new SpecViolation(
        `PD ${to} was told slots [${slotList(fresh)}] of a message were new entries, but [${slotList(expected)}] were`,
      );
    }
  }

  // ------------------------------------------------------------------ using capabilities

  /** `call(selector)` by a thread of `pd`: reaches the owner's entrypoint with the object's badge. */
  predictCall(pd: ModelPdId, selector: Selector): Prediction<CallTarget> {
    const use = this.#use(pd, selector, 'rpc-object');
    if (use.success === null) return fails(...use.errors);
    const object = use.success;
    return succeeds({ object: object.id, server: object.owner, badge: object.badge });
  }

  /** `submitSignal(selector)`: delivered to the owner's entrypoint with the context's imprint. */
  predictSubmit(pd: ModelPdId, selector: Selector): Prediction<SignalTarget> {
    const use = this.#use(pd, selector, 'signal-context');
    if (use.success === null) return fails(...use.errors);
    const object = use.success;
    return succeeds({ object: object.id, receiver: object.owner, imprint: object.imprint });
  }

  /** `attach(selector)` / `dataspaceSize(selector)`: the dataspace's bytes, shared by every PD that attaches it. */
  predictAttach(pd: ModelPdId, selector: Selector): Prediction<DataspaceView> {
    const use = this.#use(pd, selector, 'dataspace');
    if (use.success === null) return fails(...use.errors);
    return succeeds({ object: use.success.id, size: use.success.size });
  }

  /** `kindOf(selector)`: the kind of a held object; a selector naming nothing is an invalid capability. */
  predictKindOf(pd: ModelPdId, selector: Selector): Prediction<ObjectKind> {
    const use = this.#use(pd, selector, null);
    if (use.success === null) return fails(...use.errors);
    return succeeds(use.success.kind);
  }

  // ------------------------------------------------------------------ native revocation (outside the seam)

  /**
   * A native revoke of `pd`'s holding of `object`, keeping that holding: every holding derived from
   * it under the model's {@link DerivationPolicy} goes; nothing else changes.
   */
  revokeDerived(object: ModelObjectId, pd: ModelPdId): Revocation {
    if (this.pd(pd).space.selectorOf(object) === undefined)
      throw new SpecViolation(`PD ${pd} revokes object ${object} it does not hold`);
    return this.#revoke(object, this.derivation.descendants(object, pd));
  }

  /**
   * A native revoke of core's original of `object`: every PD's holding goes, the object itself stays
   * (orphaned: still charged to its owner, reachable by no PD until its owner is destroyed).
   */
  revokeOriginal(object: ModelObjectId): Revocation {
    const revocation = this.#revoke(object, this.derivation.descendants(object, ORIGINAL));
    const target = this.object(object);
    if (this.holders(object).length > 0)
      throw new SpecViolation(`object ${object} still held after its original was revoked`);
    if (target.life === 'live') target.life = 'orphaned';
    return revocation;
  }

  /** Core destroys an object orphaned by a native revoke, as `dissolve` would: it is gone and its quota is back. */
  destroyOrphan(object: ModelObjectId): void {
    const target = this.object(object);
    if (target.life !== 'orphaned') throw new SpecViolation(`object ${object} is ${target.life}, not orphaned`);
    this.#dissolve(target);
  }

  // ------------------------------------------------------------------ invariants

  /**
   * Every broken rule of the state, as sentences: quota negative, over its limit or not matching the
   * objects that exist; a holding of an object that is not live, or with no chain of hand-overs from
   * its owner, or outside the derivation tree; a destroyed PD holding or owning anything; two live
   * objects of one PD sharing a badge, or another object held at an existing object's badge; quota
   * created or lost (the live PDs' limits plus what destroyed PDs returned must be what was granted).
   */
  violations(): string[] {
    const violations: string[] = [];
    const capUsed = new Map<ModelPdId, number>();
    const ramUsed = new Map<ModelPdId, number>();
    const badges = new Map<ModelPdId, Map<Selector, ModelObjectId>>();
    for (const object of this.objects) {
      if (!exists(object)) continue;
      capUsed.set(object.owner, (capUsed.get(object.owner) ?? 0) + object.capCharge);
      ramUsed.set(object.owner, (ramUsed.get(object.owner) ?? 0) + object.ramCharge);
      let owned = badges.get(object.owner);
      if (owned === undefined) badges.set(object.owner, (owned = new Map()));
      const twin = owned.get(object.badge);
      if (twin !== undefined)
        violations.push(`objects ${twin} and ${object.id} of PD ${object.owner} share badge ${object.badge}`);
      owned.set(object.badge, object.id);
    }
    let ramLimits = 0;
    let capLimits = 0;
    for (const pd of this.pds.values()) {
      const label = `PD ${pd.id} (${pd.label})`;
      if (!pd.alive) {
        if (pd.space.size > 0) violations.push(`${label} is destroyed but holds ${pd.space.size} capabilities`);
        if ((capUsed.get(pd.id) ?? 0) > 0) violations.push(`${label} is destroyed but still owns objects`);
        continue;
      }
      ramLimits += pd.quota.ramLimit;
      capLimits += pd.quota.capLimit;
      for (const violation of accountViolations(pd.quota)) violations.push(`${label}: ${violation}`);
      if (pd.quota.capUsed !== (capUsed.get(pd.id) ?? 0) + pd.plumbing)
        violations.push(
          `${label}: caps used ${pd.quota.capUsed}, but it owns ${capUsed.get(pd.id) ?? 0} objects and ` +
            `pays ${pd.plumbing} for plumbing`,
        );
      if (pd.quota.ramUsed !== (ramUsed.get(pd.id) ?? 0))
        violations.push(`${label}: RAM used ${pd.quota.ramUsed}, but its dataspaces take ${ramUsed.get(pd.id) ?? 0}`);
      const owned = badges.get(pd.id);
      for (const [selector, id] of pd.space.entries()) {
        const object = this.object(id);
        if (object.life !== 'live') violations.push(`${label} holds ${object.life} object ${id}`);
        const badgeOf = owned?.get(selector);
        if (badgeOf !== undefined && badgeOf !== id)
          violations.push(`${label} holds object ${id} at ${selector}, the badge of its live object ${badgeOf}`);
        if (object.owner === pd.id && object.life === 'live' && selector !== object.badge)
          violations.push(`${label} holds its own object ${id} at ${selector}, not at its badge ${object.badge}`);
        violations.push(...this.provenance.violations(id, object.owner, pd.id));
        if (this.derivation.parentOf(id, pd.id) === undefined)
          violations.push(`${label}'s holding of object ${id} is not in the derivation tree`);
      }
    }
    if (ramLimits + this.reclaimed.ram !== this.granted.ram || capLimits + this.reclaimed.caps !== this.granted.caps) {
      violations.push(
        `quota leaked or appeared: live limits ram=${ramLimits} caps=${capLimits} plus reclaimed ` +
          (`ram=${this.reclaimed.ram} caps=${this.reclaimed.caps} is not the granted ram=${this.granted.ram} ` +
            `caps=${this.granted.caps}`),
      );
    }
    return violations;
  }

  // ------------------------------------------------------------------ internals

  #live(id: ModelPdId, operation: string): ModelPd {
    const pd = this.pd(id);
    if (!pd.alive) throw new SpecViolation(`${operation} on destroyed PD ${id} succeeded`);
    return pd;
  }

  /** Selector `to` must get `object` under, if the seam fixes it. */
  #arrival(receiver: ModelPd, object: ModelObjectId): CarriedCap {
    const existing = receiver.space.selectorOf(object);
    if (existing !== undefined) return { object, selector: existing };
    const target = this.object(object);
    return { object, selector: target.owner === receiver.id && target.life === 'live' ? target.badge : null };
  }

  /**
   * New slots `receiver` needs for `objects`: those it lacks, except its own live objects (their badge is kept for
   * them).
   */
  #slotsNeeded(receiver: ModelPd, objects: readonly ModelObjectId[]): number {
    const fresh = new Set<ModelObjectId>();
    for (const id of objects) {
      if (receiver.space.selectorOf(id) !== undefined) continue;
      const object = this.object(id);
      if (object.owner === receiver.id && object.life === 'live') continue;
      fresh.add(id);
    }
    return fresh.size;
  }

  /** Slots of `pd` in use: its entries plus the badges kept for objects it owns (that exist) but does not hold. */
  occupancy(pd: ModelPd): number {
    let reserved = 0;
    for (const object of this.objects) {
      if (object.owner === pd.id && exists(object) && pd.space.selectorOf(object.id) === undefined) reserved++;
    }
    return pd.space.size + reserved;
  }

  #roomFor(pd: ModelPd, needed: number, must: SeamErrorName[], may: SeamErrorName[]): void {
    if (needed === 0) return;
    const free = this.capSpaceSize - this.occupancy(pd);
    if (needed > free) must.push('CapSpaceExhaustedError');
    else if (needed > free - this.capSpaceSlack) may.push('CapSpaceExhaustedError');
  }

  /** Checks that `selector` may take a new entry for `object` (null: a new object) in `pd`. */
  #checkFresh(pd: ModelPd, selector: Selector, object: ModelObject | null): void {
    if (!Number.isSafeInteger(selector) || selector === INVALID_SELECTOR)
      throw new SpecViolation(`PD ${pd.id} got ${selector} as a new selector: not a valid capability`);
    const occupant = pd.space.objectAt(selector);
    if (occupant !== undefined)
      throw new SpecViolation(
        `PD ${pd.id} got selector ${selector} ` +
          (`for ${object === null ? 'a new object' : `object ${object.id}`}, but it already names ` +
            `object ${occupant}`),
      );
    for (const owned of this.objects) {
      if (owned.owner === pd.id && exists(owned) && owned.badge === selector && owned !== object) {
        throw new SpecViolation(
          `PD ${pd.id} got selector ${selector} ` +
            (`for ${object === null ? 'a new object' : `object ${object.id}`}, but that is the badge of ` +
              `its ${owned.life} object ${owned.id}: its server would take one for the other`),
        );
      }
    }
  }

  /** `to` received `object` from `from` under `selector`: checks the choice and records the hand-over. */
  #receive(to: ModelPdId, object: ModelObjectId, from: ModelPdId, selector: Selector): void {
    const receiver = this.#live(to, 'receive');
    const expected = this.#arrival(receiver, object);
    if (expected.selector !== null && selector !== expected.selector) {
      const why =
        receiver.space.selectorOf(object) !== undefined
          ? 'where it already holds it'
          : 'its badge: an owner gets its own object back under the selector its server knows it by';
      throw new SpecViolation(
        `PD ${to} received object ${object} under ${selector}, not under ${expected.selector}, ${why}`,
      );
    }
    if (receiver.space.selectorOf(object) !== undefined) return;
    const target = this.object(object);
    if (target.life !== 'live') throw new SpecViolation(`PD ${to} received ${target.life} object ${object}`);
    this.#checkFresh(receiver, selector, target);
    receiver.space.bind(selector, object);
    this.provenance.handedOver(object, from, to);
    this.derivation.derive(object, to, from);
  }

  #use(pd: ModelPdId, selector: Selector, kind: ObjectKind | null): Prediction<ModelObject> {
    const holder = this.pd(pd);
    if (!holder.alive) return fails('DestroyedError');
    const id = holder.space.objectAt(selector);
    if (id === undefined) return fails('InvalidCapabilityError');
    const object = this.object(id);
    if (kind !== null && object.kind !== kind) return fails('WrongObjectKindError');
    return succeeds(object);
  }

  #forget(object: ModelObjectId, pd: ModelPdId): void {
    this.provenance.dropped(object, pd);
    this.derivation.remove(object, pd);
  }

  #dissolve(object: ModelObject): void {
    for (const [holder] of this.holders(object.id)) {
      this.pd(holder).space.unbind(object.id);
      this.#forget(object.id, holder);
    }
    object.life = 'dissolved';
    const owner = this.pd(object.owner);
    owner.quota.capUsed -= object.capCharge;
    owner.quota.ramUsed -= object.ramCharge;
  }

  #revoke(object: ModelObjectId, lost: ModelPdId[]): Revocation {
    for (const pd of lost) {
      this.pd(pd).space.unbind(object);
      this.#forget(object, pd);
    }
    return { lost };
  }
}
