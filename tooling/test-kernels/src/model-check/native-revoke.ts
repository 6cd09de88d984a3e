import type { KernelThread, Selector } from '@os/kernel';
import { Crd, type Mapping, type NovaEc, type NovaSeamKernel, SmOp, type Status, statusName } from '@os/kernel-nova';
import {
  CapType,
  type Cte,
  InitialCaps,
  LookupFault,
  type ResolvedSlot,
  SEL4_ERROR_NAMES,
  Sel4Error,
  type Sel4SeamKernel,
  type Tcb,
  lookupSlot,
  seL4_MessageInfo_new,
} from '@os/kernel-sel4';
import type { ModelObject, ModelPdId } from '../model/index.js';
import { type Pick, Step, checkUse, resolve } from './commands.js';
import { ensure, same } from './divergence.js';
import type { Domain, World } from './world.js';

/**
 * Native revocation, outside the seam: NOVA's `revoke` over the mapping database and seL4's
 * `CNode_Revoke` over the derivation tree, done through each seam adapter's `native` kernel (and, to
 * act as a PD's own thread, the adapter's thread objects: a NOVA seam thread's local EC `ec`, a seL4
 * seam thread's `tcb`). The model's derivation policy says what each takes; afterwards no
 * derived copy may work while the original does.
 */

/** The NOVA EC behind a seam thread of the NOVA adapter (its entrypoint's local EC). */
function novaEc(thread: KernelThread): NovaEc {
  const ec = (thread as unknown as { ec?: NovaEc }).ec;
  if (ec === undefined) throw new Error(`thread "${thread.label}" is not a NOVA seam thread`);
  return ec;
}

/** The seL4 TCB behind a seam thread of the seL4 adapter. */
function sel4Tcb(thread: KernelThread): Tcb {
  const tcb = (thread as unknown as { tcb?: Tcb }).tcb;
  if (tcb === undefined) throw new Error(`thread "${thread.label}" is not a seL4 seam thread`);
  return tcb;
}

/**
 * The CPtr of a PD's own CNode cap in its CSpace: the seL4 adapter keeps it at kernel-caps slot 0, just above the
 * selectors.
 */
function sel4OwnCNode(world: World): number {
  return 2 ** Math.ceil(Math.log2(world.kernel.capSpaceSize));
}

/** The held, non-mailbox object `pick` names in `domain`, with its selector; null if there is none. */
function target(world: World, domain: Domain, pick: Pick): { selector: Selector; object: ModelObject } | null {
  const selector = resolve(world, domain, { pool: 'held', index: pick.index }, true);
  const object = world.spec.heldAt(domain.model, selector);
  return object === undefined || world.mailboxes.has(object.id) ? null : { selector, object };
}

/** Checks that every one of `lost` (PD and its former selector) no longer reaches the object. */
async function checkLost(
  world: World,
  object: ModelObject,
  lost: readonly [ModelPdId, Selector][],
  what: string,
): Promise<void> {
  for (const [pd, selector] of lost) {
    const holder = world.domainOf(pd);
    ensure(
      !holder.client.valid(selector),
      `${world.name} ${what}: ${holder.label}'s derived copy ${selector} is still valid`,
    );
    await checkUse(
      world,
      holder,
      selector,
      object.kind,
      null,
      `${what}: ${holder.label} uses its revoked copy ${selector}`,
    );
  }
}

/** Checks that every remaining holder still reaches the object. */
async function checkKept(world: World, object: ModelObject, what: string): Promise<void> {
  for (const [pd, selector] of world.spec.holders(object.id)) {
    await checkUse(
      world,
      world.domainOf(pd),
      selector,
      object.kind,
      object,
      `${what}: ${world.domainOf(pd).label} uses its copy ${selector}`,
    );
  }
}

/**
 * NOVA: a PD revokes, natively, everything delegated from its own mapping of an object (`revoke`
 * of its selector without `self`). Its own mapping stays and works; every mapping derived from it,
 * transitively through the mapping database, goes; mappings that came by other routes stay.
 */
export class NovaRevokeDerived extends Step {
  constructor(
    readonly slot: number,
    readonly pick: Pick,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const held = target(world, domain, this.pick);
    if (held === null || !world.spec.pd(domain.model).alive) return;
    const { selector, object } = held;
    const native = (world.kernel as NovaSeamKernel).native;
    const before = new Map(world.spec.holders(object.id));
    const status = native.revoke(novaEc(domain.server), Crd.obj(selector, 0), false);
    same(`${domain.label} revokes ${selector} natively`, statusName(status), 'SUCCESS');
    const { lost } = world.spec.revokeDerived(object.id, domain.model);
    const what = `${domain.label} revoked what it delegated of object ${object.id}`;
    await checkLost(
      world,
      object,
      lost.map((pd) => [pd, before.get(pd) as Selector]),
      what,
    );
    await checkKept(world, object, what);
  }

  toString(): string {
    return `nova.revokeDerived(${this.slot}, held#${this.pick.index})`;
  }
}

/**
 * NOVA: core revokes, natively, everything derived from its own (root) mapping of an object. Every
 * PD's mapping goes; core's stays and still reaches the object (a call from the root EC reaches the
 * owner's entrypoint with the badge; an up on a signal's semaphore is delivered). The object lives on,
 * charged to its owner and held by no PD, until its owner is destroyed.
 */
export class NovaRevokeOriginal extends Step {
  constructor(
    readonly slot: number,
    readonly pick: Pick,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const held = target(world, domain, this.pick);
    if (held === null || !world.spec.pd(domain.model).alive) return;
    const { selector, object } = held;
    const native = (world.kernel as NovaSeamKernel).native;
    let root: Mapping | null = native.mappingAt(novaEc(domain.server).pd, selector);
    while (root?.parent) root = root.parent;
    ensure(
      root !== null && root.pd === native.root,
      `${world.name}: ${domain.label}'s mapping ${selector} does not derive from a mapping of the root PD`,
    );
    const rootSel = (root as Mapping).at;
    const before = world.spec.holders(object.id);
    same(
      `core revokes its selector ${rootSel} natively`,
      statusName(native.revoke(native.rootEc, Crd.obj(rootSel, 0), false)),
      'SUCCESS',
    );
    world.spec.revokeOriginal(object.id);
    const what = `core revoked everything derived from object ${object.id}`;
    await checkLost(world, object, before, what);
    ensure(
      native.objectAt(native.root, rootSel) !== null,
      `${world.name} ${what}: core's own mapping ${rootSel} went too`,
    );
    const owner = world.domainOf(object.owner);
    if (object.kind === 'rpc-object') {
      const calls = owner.calls.length;
      native.rootEc.utcb.clear();
      const status = await native.call(native.rootEc, rootSel);
      same(
        `${what}: core calls its original`,
        statusName(typeof status === 'number' ? status : status.status),
        'SUCCESS',
      );
      same(`${what}: calls told to the owner`, owner.calls.length - calls, 1);
      same(`${what}: badge told to the owner`, owner.calls.at(-1)?.badge, object.badge);
    } else if (object.kind === 'signal-context') {
      const signals = owner.signals.length;
      same(
        `${what}: core ups its original`,
        statusName(native.sm_ctrl(native.rootEc, rootSel, SmOp.UP) as Status),
        'SUCCESS',
      );
      await world.kernel.settle();
      same(`${what}: signals the owner was told of`, owner.signals.slice(signals), [
        { imprint: object.imprint, count: 1 },
      ]);
    }
  }

  toString(): string {
    return `nova.revokeOriginal(${this.slot}, held#${this.pick.index})`;
  }
}

/** The slot `cptr` names in `tcb`'s CSpace (seL4's `lookupSlot`), or null. */
function sel4Slot(tcb: Tcb, cptr: number): Cte | null {
  const out: ResolvedSlot = { slot: null, bitsRemaining: 0 };
  return lookupSlot(tcb.cspaceRoot.cap, cptr, new LookupFault(), out) ? out.slot : null;
}

/**
 * seL4: a PD's thread revokes its own copy of an object (`CNode_Revoke` on its selector). The copies
 * of a badged capability are not revocable, so every copy, however it travelled, is a child of core's
 * badged original and none of another copy: the revoke takes nothing, and every holder still reaches
 * the object.
 */
export class Sel4RevokeCopy extends Step {
  constructor(
    readonly slot: number,
    readonly pick: Pick,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const held = target(world, domain, this.pick);
    if (held === null || !world.spec.pd(domain.model).alive) return;
    const { selector, object } = held;
    const native = (world.kernel as Sel4SeamKernel).native;
    const tcb = sel4Tcb(domain.client);
    const cnode = sel4OwnCNode(world);
    same(`${domain.label}'s own CNode cap at ${cnode}`, native.seL4_DebugCapIdentify(tcb, cnode), CapType.CNodeCap);
    const code = native.seL4_CNode_Revoke(tcb, cnode, selector, 64);
    same(
      `${domain.label} CNode_Revoke of its copy ${selector}`,
      SEL4_ERROR_NAMES[code],
      SEL4_ERROR_NAMES[Sel4Error.seL4_NoError],
    );
    const { lost } = world.spec.revokeDerived(object.id, domain.model);
    same(`${domain.label} revoked its copy of object ${object.id}: copies the model says went`, lost, []);
    for (const [pd, holderSelector] of world.spec.holders(object.id)) {
      const holder = world.domainOf(pd);
      ensure(
        native.seL4_DebugCapIdentify(sel4Tcb(holder.client), holderSelector) !== CapType.NullCap,
        `${world.name}: after ${domain.label} revoked its copy, ${holder.label}'s copy ${holderSelector} is gone`,
      );
    }
    await checkKept(world, object, `${domain.label} revoked its copy of object ${object.id}`);
  }

  toString(): string {
    return `sel4.revokeCopy(${this.slot}, held#${this.pick.index})`;
  }
}

/**
 * seL4: core revokes the badged original of an object (`CNode_Revoke` in its CNode). Every PD's copy
 * goes (checked natively: each holder's slot is empty), the original stays and a `seL4_Call` by core
 * on it reaches the owner's entrypoint with the badge. The adapter's capability-space books (Genode's
 * `Capability_space`) are not told of a revoke behind its back, so the seam would still list the
 * copies and a call through one would cap-fault the calling thread; core then finishes the job the
 * seam way, by dissolving the object through its owner, and the model has it destroyed.
 */
export class Sel4RevokeOriginal extends Step {
  constructor(
    readonly slot: number,
    readonly pick: Pick,
  ) {
    super();
  }

  protected async act(world: World): Promise<void> {
    const domain = world.domainAt(this.slot);
    const held = target(world, domain, this.pick);
    if (held === null || !world.spec.pd(domain.model).alive) return;
    const { selector, object } = held;
    const owner = world.domainOf(object.owner);
    const ownerSelector = world.spec.pd(object.owner).space.selectorOf(object.id);
    if (ownerSelector === undefined) return;
    const kernel = world.kernel as Sel4SeamKernel;
    const native = kernel.native;
    const core = kernel.coreThread;
    const original = sel4Slot(sel4Tcb(domain.client), selector)?.parent ?? null;
    ensure(
      original !== null && native.capAt(core, original.index) === original.cap,
      `${world.name}: ${domain.label}'s copy ${selector} is no child of an original in core's CNode`,
    );
    const index = (original as Cte).index;
    const before = world.spec.holders(object.id);
    const code = native.seL4_CNode_Revoke(core, InitialCaps.seL4_CapInitThreadCNode, index, 64);
    same(
      `core CNode_Revoke of the original ${index}`,
      SEL4_ERROR_NAMES[code],
      SEL4_ERROR_NAMES[Sel4Error.seL4_NoError],
    );
    world.spec.revokeOriginal(object.id);
    const what = `core revoked the original of object ${object.id}`;
    for (const [pd, holderSelector] of before) {
      const holder = world.domainOf(pd);
      same(
        `${what}: ${holder.label}'s copy ${holderSelector}`,
        native.seL4_DebugCapIdentify(sel4Tcb(holder.client), holderSelector),
        CapType.NullCap,
      );
    }
    ensure(
      native.seL4_DebugCapIdentify(core, index) !== CapType.NullCap,
      `${world.name} ${what}: the original went too`,
    );
    if (object.kind === 'rpc-object') {
      const calls = owner.calls.length;
      core.ipcBuffer.setMR(0, 0);
      await native.seL4_Call(core, index, seL4_MessageInfo_new(0, 0, 0, 5));
      same(`${what}: calls told to the owner after core called the original`, owner.calls.length - calls, 1);
      same(`${what}: badge told to the owner`, owner.calls.at(-1)?.badge, object.badge);
    }
    owner.client.dissolve(ownerSelector);
    world.spec.destroyOrphan(object.id);
    for (const view of world.views.get(object.id) ?? [])
      ensure(view.length === 0, `${world.name} ${what}: a view of the dissolved dataspace still shows bytes`);
    world.views.delete(object.id);
  }

  toString(): string {
    return `sel4.revokeOriginal(${this.slot}, held#${this.pick.index})`;
  }
}
