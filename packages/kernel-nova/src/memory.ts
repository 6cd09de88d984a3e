import { PAGE_SIZE } from '@os/kernel';
import { Kobject, KobjectType } from './kobject.js';
import type { NovaPd } from './pd.js';

/**
 * Physical memory: pages that memory CRDs map. Destroying it detaches its buffer, which
 * takes the bytes away from every view, in every PD, at once.
 */
export class MemoryObject extends Kobject {
  /** The bytes; zero length once the memory is destroyed. */
  readonly buffer: ArrayBuffer;

  /** Creates `pages` zeroed pages. */
  constructor(
    serial: number,
    label: string,
    charged: NovaPd | null,
    /** Pages it holds. */
    readonly pages: number,
  ) {
    super(serial, KobjectType.MEMORY, label, charged);
    this.buffer = new ArrayBuffer(pages * PAGE_SIZE);
  }
}
