import { Kobject, KobjectType, type Mapping } from './kobject.js';
import { KernelQuota } from './quota.js';

/** A protection domain: an object space of selectors, a memory space of pages, and a kernel-memory quota. */
export class NovaPd extends Kobject {
  /** Object space: selector to mapping. */
  readonly objects: (Mapping | undefined)[] = [];
  /** Memory space: page number to mapping. */
  readonly memory = new Map<number, Mapping>();
  /** Kernel memory this PD may use for the objects it pays for. */
  readonly quota = new KernelQuota();
  /** UTCB addresses of its ECs, which must not collide. */
  readonly utcbs = new Set<number>();
  /** The PD whose quota this one's came from; it gets the rest back when this one dies. */
  readonly quotaSource: NovaPd | null;

  /** Creates PD `serial` with `selectors` object selectors. */
  constructor(
    serial: number,
    label: string,
    charged: NovaPd | null,
    /** Selectors in its object space: 0 up to (not including) this. */
    readonly selectors: number,
  ) {
    super(serial, KobjectType.PD, label, charged);
    this.quotaSource = charged;
  }

  /** The mapping at `selector` of the object space, if any (any number is accepted). */
  lookup(selector: number): Mapping | undefined {
    return this.objects[selector];
  }
}
