/**
 * An executable abstract specification of the `@os/kernel` seam's capability and quota behaviour,
 * one concept per file: identities (`ids`), objects and their life (`objects`), quota accounts
 * (`quota`), capability spaces (`cap-space`), hand-over chains (`provenance`), native derivation
 * (`derivation`), predicted outcomes (`prediction`), and the whole system (`seam-model`).
 */
export { type ModelPdId, type ModelObjectId, holdingKey } from './ids.js';
export { SpecViolation } from './violation.js';
export { type SeamErrorName, type Prediction, succeeds, fails, either, allowsError } from './prediction.js';
export { type ObjectLife, type ModelObject, type ObjectParameters, creationCharge, exists } from './objects.js';
export {
  type QuotaAccount,
  emptyAccount,
  freeRam,
  freeCaps,
  wholeAmount,
  shortfall,
  quotaState,
  accountViolations,
} from './quota.js';
export { ModelCapSpace } from './cap-space.js';
export { Provenance } from './provenance.js';
export { type DerivationPolicy, DerivationTree, ORIGINAL } from './derivation.js';
export {
  SeamModel,
  type SeamModelOptions,
  type ModelPd,
  type CallTarget,
  type SignalTarget,
  type DataspaceView,
  type CarriedCap,
  type Destruction,
  type Revocation,
} from './seam-model.js';
