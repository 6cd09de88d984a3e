export { HwKernel, TIMEOUT_MAX_US, type HwKernelOptions, type HwSignalData } from './hw-kernel.js';
export { HwSeamKernel, createHwKernel } from './hw-seam.js';
export { HwPd } from './pd.js';
export { HwThread, PendingCall, type HwEntry, type QueuedWork } from './thread.js';
export {
  ObjectIdentity,
  ObjectIdentityReference,
  IdentityKind,
  IDENTITY_KIND_NAMES,
  type SignalState,
} from './object-identity.js';
