import type { KernelObject } from './objects.js';

/** Capability types (`cap_tag_t` in `structures_64.bf`), the ones the model has. */
export const CapType = {
  NullCap: 0,
  UntypedCap: 1,
  EndpointCap: 2,
  NotificationCap: 3,
  ReplyCap: 4,
  CNodeCap: 5,
  ThreadCap: 6,
  FrameCap: 7,
} as const;

/** One of the {@link (CapType:variable)} values. */
export type CapType = (typeof CapType)[keyof typeof CapType];

/** Names of {@link (CapType:variable)}, indexed by type. */
export const CAP_TYPE_NAMES: readonly string[] = [
  'cap_null_cap',
  'cap_untyped_cap',
  'cap_endpoint_cap',
  'cap_notification_cap',
  'cap_reply_cap',
  'cap_cnode_cap',
  'cap_thread_cap',
  'cap_frame_cap',
];

/**
 * A capability: a value naming a kernel object with rights and type-specific data (badge, guard).
 * Immutable, like the two words seL4 stores in a slot; derivations make new values.
 */
export class Cap {
  /** Creates a capability value. */
  constructor(
    /** What kind of capability. */
    readonly type: CapType,
    /** The object it names; null only for the null cap. */
    readonly object: KernelObject | null,
    /** Endpoint and notification badge; 0 is unbadged. */
    readonly badge: number = 0,
    /** Rights word (write, read, grant, grant-reply) for endpoint, notification and reply caps. */
    readonly rights: number = 15,
    /** CNode caps: guard value. */
    readonly guard: number = 0,
    /** CNode caps: guard size in bits. */
    readonly guardSize: number = 0,
  ) {}

  /** May send on it (endpoint, notification): the write right. */
  get canSend(): boolean {
    return (this.rights & 1) !== 0;
  }

  /** May receive on it: the read right. */
  get canReceive(): boolean {
    return (this.rights & 2) !== 0;
  }

  /** May transfer caps with a message: the grant right. */
  get canGrant(): boolean {
    return (this.rights & 4) !== 0;
  }

  /** May send a call whose reply cap the receiver gets: the grant-reply right. */
  get canGrantReply(): boolean {
    return (this.rights & 8) !== 0;
  }

  /** The same capability with rights `rights` ANDed in (`maskCapRights`). */
  maskRights(rights: number): Cap {
    const masked = this.rights & rights;
    if (
      masked === this.rights ||
      this.type === CapType.CNodeCap ||
      this.type === CapType.UntypedCap ||
      this.type === CapType.ThreadCap ||
      this.type === CapType.FrameCap
    )
      return this;
    return new Cap(
      this.type,
      this.object,
      this.badge,
      this.type === CapType.NotificationCap ? masked & 3 : masked,
      this.guard,
      this.guardSize,
    );
  }

  /** The same capability with a new badge. */
  withBadge(badge: number): Cap {
    return new Cap(this.type, this.object, badge, this.rights, this.guard, this.guardSize);
  }

  /** The same CNode capability with a new guard. */
  withGuard(guard: number, guardSize: number): Cap {
    return new Cap(this.type, this.object, this.badge, this.rights, guard, guardSize);
  }
}

/** The null capability: what an empty slot holds. */
export const NULL_CAP = new Cap(CapType.NullCap, null, 0, 0);
