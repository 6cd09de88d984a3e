import type { Mtd } from './mtd.js';
import { Kobject, KobjectType } from './kobject.js';
import type { NovaEc } from './ec.js';
import type { NovaPd } from './pd.js';
import type { Utcb } from './utcb.js';

/**
 * What a portal's instruction pointer leads to: the code its local EC runs for each call, given
 * the portal id and the EC's UTCB holding the request. Returning is `reply`; so is settling the
 * returned promise, unless the entry replied before with `reply`.
 */
export type PortalEntry = (id: number, utcb: Utcb) => void | Promise<void>;

/** A portal: an entry into a local EC, with the id (Genode's badge) the EC learns on each call. */
export class NovaPt extends Kobject {
  /** The id the entry receives; set with `pt_ctrl`. */
  id = 0;

  /** Creates portal `serial` into `ec`. */
  constructor(
    serial: number,
    label: string,
    charged: NovaPd,
    /** The local EC that runs its calls. */
    readonly ec: NovaEc,
    /** Which state a call transfers (only meaningful for exception portals; kept for fidelity). */
    readonly mtd: Mtd,
    /** The entry its EC runs. */
    readonly entry: PortalEntry,
  ) {
    super(serial, KobjectType.PT, label, charged);
  }
}
