export {
  Sel4Error,
  SEL4_ERROR_NAMES,
  LookupFailure,
  LOOKUP_FAILURE_NAMES,
  ObjectType,
  Sel4Constants,
  InitialCaps,
  ThreadState,
  THREAD_STATE_NAMES,
  FaultType,
} from './native/constants.js';
export {
  type MessageInfo,
  type CapRights,
  Rights,
  seL4_MessageInfo_new,
  seL4_MessageInfo_get_label,
  seL4_MessageInfo_get_capsUnwrapped,
  seL4_MessageInfo_get_extraCaps,
  seL4_MessageInfo_get_length,
  seL4_MessageInfo_set_length,
  seL4_CapRights_new,
  seL4_CNode_CapData_new,
} from './native/message-info.js';
export { Cap, CapType, CAP_TYPE_NAMES, NULL_CAP } from './native/cap.js';
export {
  KernelObject,
  Untyped,
  Endpoint,
  EndpointState,
  Notification,
  NotificationState,
  Frame,
  CNode,
  Cte,
} from './native/objects.js';
export { IpcBuffer } from './native/ipc-buffer.js';
export { Tcb, type RestartableCall } from './native/tcb.js';
export { LookupFault, type ResolvedSlot, resolveAddressBits, lookupSlot } from './native/cspace.js';
export { Sel4CapFault } from './native/errors.js';
export { Sel4Kernel, type Sel4KernelOptions, type BootInfo, type Sel4RecvResult } from './native/sel4-kernel.js';
export { Sel4SeamKernel, createSel4Kernel, type Sel4KernelSeamOptions } from './seam/sel4-seam.js';
export type { Sel4SeamOptions } from './seam/core.js';
export { Protocol, SEAM_IPC_BUFFER_SIZE } from './seam/protocol.js';
