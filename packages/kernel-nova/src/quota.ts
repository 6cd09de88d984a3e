/**
 * A PD's kernel-memory quota (NOVA's `Quota`): a limit, what is used of it, and a part of the limit
 * the PD may not hand on (`create_pd`'s lower limit). Counted in objects: each kernel object a PD
 * pays for uses one unit.
 */
export class KernelQuota {
  /** Units the PD may use. */
  limit = 0;
  /** Units in use. */
  used = 0;
  /** Units of the limit that `pd_ctrl` may not transfer away. */
  reserved = 0;

  /** Whether `need` more units would overdraw the limit (NOVA's `hit_limit`). */
  hitLimit(need: number): boolean {
    return this.used + need > this.limit;
  }

  /** Moves `amount` of unused limit to `to`; false (nothing moved) if this quota lacks it. */
  transferTo(to: KernelQuota, amount: number): boolean {
    if (this.used + amount > this.limit - this.reserved) return false;
    this.limit -= amount;
    to.limit += amount;
    return true;
  }
}
