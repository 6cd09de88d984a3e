import type { CrdType } from './crd.js';
import type { NovaPd } from './pd.js';

/** Kernel object types, in NOVA's order (`Kobject::Type`), plus the model's physical memory. */
export const KobjectType = {
  /** Protection domain. */
  PD: 0,
  /** Execution context (a thread; local or global). */
  EC: 1,
  /** Scheduling context. */
  SC: 2,
  /** Portal. */
  PT: 3,
  /** Semaphore (or, chained to another semaphore, a signal). */
  SM: 4,
  /** Physical memory backing memory CRDs. NOVA tracks memory by address; the model by object. */
  MEMORY: 5,
} as const;

/** One of the {@link (KobjectType:variable)} values. */
export type KobjectType = (typeof KobjectType)[keyof typeof KobjectType];

/** Names of {@link (KobjectType:variable)} for messages. */
export const KOBJECT_TYPE_NAMES = ['PD', 'EC', 'SC', 'PT', 'SM', 'memory'] as const;

/**
 * A kernel object. It lives while at least one mapping names it: revoking the last one destroys
 * it and gives its kernel memory back to the PD that paid for it.
 */
export class Kobject {
  /** Every mapping (in any PD) that names this object. */
  readonly mappings = new Set<Mapping>();
  /** False once destroyed. */
  alive = true;

  /** Creates object `serial` of `type`, charged to `charged`. */
  constructor(
    /** Unique per kernel instance: the object identity inspection reports. */
    readonly serial: number,
    /** What it is. */
    readonly type: KobjectType,
    /** Name for messages and traces. */
    readonly label: string,
    /** The PD whose kernel-memory quota pays for it; null for objects the kernel made at boot. */
    readonly charged: NovaPd | null,
  ) {}
}

/**
 * A node of the mapping database: one selector (or page) of one PD naming an object (or a page of
 * memory) with some rights, derived from its parent by delegation. Revoking a node removes its
 * whole subtree.
 */
export class Mapping {
  /** Mappings delegated from this one. */
  readonly children = new Set<Mapping>();

  /** Creates the node; the database links it into the spaces. */
  constructor(
    /** The PD whose space holds it. */
    readonly pd: NovaPd,
    /** Object or memory space. */
    readonly space: CrdType,
    /** Its selector (object space) or page number (memory space). */
    readonly at: number,
    /** Rights bits; a delegation ANDs them. */
    public rights: number,
    /** The object named. */
    readonly object: Kobject,
    /** For memory: the page within the memory object. */
    readonly page: number,
    /** The mapping it was delegated from; null for the root mapping its creator got. */
    public parent: Mapping | null,
  ) {}
}
