/**
 * The model-based check of every kernel through the seam: a world (a kernel with PDs, threads and
 * mailboxes), commands that act on it and compare it with the {@link SeamModel} after every step,
 * NOVA and seL4 commands that revoke natively, and the fast-check arbitrary of them all.
 */
export {
  Divergence,
  type Outcome,
  attempt,
  attemptSync,
  judge,
  same,
  equalData,
  ensure,
  describeError,
} from './divergence.js';
export {
  World,
  type WorldOptions,
  type Domain,
  type CheckedKernel,
  type ServedCall,
  type ServedSignal,
  ECHO,
  GIVE,
  LATER,
  ODD_SELECTORS,
} from './world.js';
export { compareWithModel, compareDestroyed } from './compare.js';
export {
  type ModelCommand,
  type Pool,
  type Pick,
  type ReplyMode,
  Step,
  resolve,
  checkUse,
  checkDissolved,
  CreateObject,
  Delegate,
  Call,
  Free,
  Dissolve,
  Submit,
  Attach,
  Probe,
  TransferQuota,
  GrantQuota,
  DestroyPd,
  DATASPACE_SIZES,
  RAM_AMOUNTS,
  CAP_AMOUNTS,
} from './commands.js';
export { NovaRevokeDerived, NovaRevokeOriginal, Sel4RevokeCopy, Sel4RevokeOriginal } from './native-revoke.js';
export { CHECKED_KERNELS, checkedKernel } from './kernels.js';
export { type FastCheckApi, type CommandOptions, modelCommand } from './arbitraries.js';
