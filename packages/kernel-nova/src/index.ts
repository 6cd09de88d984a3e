export { Status, STATUS_NAMES, statusName } from './status.js';
export { Crd, CrdType, Rights, MAX_ORDER, alignDown } from './crd.js';
export { Kobject, KobjectType, KOBJECT_TYPE_NAMES, Mapping } from './kobject.js';
export { KernelQuota } from './quota.js';
export { Utcb, TypedItem, XferKind, TYPED_ITEM_BYTES } from './utcb.js';
export { NovaPd } from './pd.js';
export { NovaEc, NovaSc, PendingCall, type CallFailure, type NovaReply } from './ec.js';
export { NovaPt, type PortalEntry } from './pt.js';
export { NovaSm, SmOp, type SmResult, type SmWaiter } from './sm.js';
export { MemoryObject } from './memory.js';
export type { Mtd } from './mtd.js';
export { MappingDatabase } from './mdb.js';
export {
  NovaKernel,
  type NovaKernelOptions,
  type Qpd,
  DEFAULT_QPD,
  DISABLE_BLOCKING,
  EcOp,
  PdOp,
  Hypercall,
  ROOT_PD_SEL,
  ROOT_EC_SEL,
  ROOT_SC_SEL,
} from './nova-kernel.js';
export { NovaSeamKernel, createNovaKernel, type NovaSeamOptions } from './nova-seam.js';
