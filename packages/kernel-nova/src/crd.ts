/** The type field of a capability range descriptor (NOVA's `Crd::Type`; 0 is the null CRD). */
export const CrdType = {
  /** The null CRD: names nothing; what a failed translation or delegation yields. */
  NULL: 0,
  /** Memory: the range counts pages of a PD's memory space. */
  MEM: 1,
  /** I/O ports; the model has none. */
  PIO: 2,
  /** Objects: the range counts selectors of a PD's object space. */
  OBJ: 3,
} as const;

/** One of the {@link (CrdType:variable)} values. */
export type CrdType = (typeof CrdType)[keyof typeof CrdType];

/** Rights bits of object and memory CRDs, as base-nova's `Obj_crd` and `Mem_crd` spell them. */
export const Rights = {
  /** Every right of a five-bit rights field. */
  ALL: 0x1f,
  /** EC: may be recalled. */
  EC_RECALL: 0x1,
  /** PT: may be given an id with `pt_ctrl`. Revoked after imprinting so the id stays. */
  PT_CTRL: 0x1,
  /** PT: may be called. */
  PT_CALL: 0x2,
  /** PT: may be called from another CPU. */
  PT_XCPU: 0x10,
  /** SM: may be `up`ed (a signal submitted). */
  SM_UP: 0x1,
  /** SM: may be `down`ed (waited on). */
  SM_DOWN: 0x2,
  /** Memory: readable. */
  MEM_R: 0x1,
  /** Memory: writable. */
  MEM_W: 0x2,
  /** Memory: executable. */
  MEM_X: 0x4,
  /** Memory: read, write and execute. */
  MEM_RWX: 0x7,
} as const;

/** Largest order a CRD holds: its order field has five bits. */
export const MAX_ORDER = 31;

/**
 * A capability range descriptor: `2^order` selectors (or pages) from `base`, with `rights`. The
 * base is aligned down to the order when the kernel uses it, as NOVA does.
 */
export class Crd {
  /** The null CRD. */
  static readonly NULL = new Crd(CrdType.NULL, 0, 0, 0);

  /** Creates a CRD; throws a `RangeError` on fields that do not fit their bits. */
  constructor(
    /** Object, memory, I/O or null. */
    readonly type: CrdType,
    /** First selector (or page) of the range. */
    readonly base: number,
    /** The range holds `2^order` selectors or pages. */
    readonly order: number,
    /** Rights bits (see {@link (Rights:variable)}). */
    readonly rights: number,
  ) {
    if (!Number.isSafeInteger(base) || base < 0)
      throw new RangeError(`CRD base must be a non-negative integer, got ${base}`);
    if (!Number.isInteger(order) || order < 0 || order > MAX_ORDER)
      throw new RangeError(`CRD order must be 0..${MAX_ORDER}, got ${order}`);
    if (!Number.isInteger(rights) || rights < 0 || rights > Rights.ALL)
      throw new RangeError(`CRD rights must be 0..0x1f, got ${rights}`);
    if (!Number.isInteger(type) || type < CrdType.NULL || type > CrdType.OBJ)
      throw new RangeError(`CRD type must be 0..3, got ${type}`);
    // a value: shared (Crd.NULL) and read by the kernel, so no holder may change it
    Object.freeze(this);
  }

  /** Whether `value` is a CRD this module made (a proxy or a look-alike object is not). */
  static is(value: unknown): value is Crd {
    return typeof value === 'object' && value !== null && #made in value;
  }

  readonly #made = true;

  /** An object CRD (base-nova's `Obj_crd`): `2^order` selectors from `base`, all rights unless given. */
  static obj(base: number, order = 0, rights: number = Rights.ALL): Crd {
    return new Crd(CrdType.OBJ, base, order, rights);
  }

  /** A memory CRD (base-nova's `Mem_crd`): `2^order` pages from page `base`, read-write-execute unless given. */
  static mem(base: number, order = 0, rights: number = Rights.MEM_RWX): Crd {
    return new Crd(CrdType.MEM, base, order, rights);
  }

  /** Decodes a CRD from its machine word (`base << 12 | order << 7 | rights << 2 | type`). */
  static decode(value: number): Crd {
    const type = (value % 4) as CrdType;
    if (type === CrdType.NULL) return Crd.NULL;
    return new Crd(type, Math.floor(value / 4096), Math.floor(value / 128) % 32, Math.floor(value / 4) % 32);
  }

  /** The CRD as NOVA's machine word. */
  get value(): number {
    return this.base * 4096 + this.order * 128 + this.rights * 4 + this.type;
  }

  /** Whether this is the null CRD. */
  get isNull(): boolean {
    return this.type === CrdType.NULL;
  }

  /** Selectors (or pages) in the range. */
  get count(): number {
    return 2 ** this.order;
  }

  /** The base aligned down to the order: where the range really starts. */
  get start(): number {
    return alignDown(this.base, this.order);
  }

  /** Whether selector (or page) `at` lies in the range. */
  contains(at: number): boolean {
    const start = this.start;
    return at >= start && at < start + this.count;
  }

  /** For messages: `obj 0x40/2 rw` style. */
  toString(): string {
    if (this.isNull) return 'null';
    const kind = this.type === CrdType.OBJ ? 'obj' : this.type === CrdType.MEM ? 'mem' : 'pio';
    return `${kind} ${this.base}/${this.order} rights=0x${this.rights.toString(16)}`;
  }
}

/** `value` with its low `order` bits cleared (arithmetic, so values past 32 bits stay exact). */
export function alignDown(value: number, order: number): number {
  const size = 2 ** order;
  return value - (value % size);
}
