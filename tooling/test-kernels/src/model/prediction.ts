/**
 * The seam's refusals by error class name (all extend `KernelError` of `@os/kernel`): what the model
 * says an operation throws when it must not succeed.
 */
export type SeamErrorName =
  | 'InvalidCapabilityError'
  | 'WrongObjectKindError'
  | 'NotOwnerError'
  | 'QuotaExceededError'
  | 'CapSpaceExhaustedError'
  | 'DestroyedError';

/**
 * What the specification allows one operation to do. `success` is what success must look like, or
 * null when the operation must fail; `errors` are the refusals allowed instead (empty: it must
 * succeed). Both set means either is allowed, which the seam leaves open only where a backend may
 * run out of room a slot early or check two exhausted resources in either order.
 */
export interface Prediction<T> {
  /** The outcome success must have, or null if the operation must be refused. */
  readonly success: T | null;
  /** The errors a refusal may be, in no order; empty if the operation must succeed. */
  readonly errors: readonly SeamErrorName[];
}

/** The operation must succeed with `value`. */
export function succeeds<T>(value: T): Prediction<T> {
  return { success: value, errors: [] };
}

/** The operation must be refused with one of `errors`. */
export function fails<T>(...errors: SeamErrorName[]): Prediction<T> {
  return { success: null, errors };
}

/** The operation may succeed with `value` or be refused with one of `errors`. */
export function either<T>(value: T, ...errors: SeamErrorName[]): Prediction<T> {
  return { success: value, errors };
}

/** Whether the prediction allows a refusal with `name`. */
export function allowsError(prediction: Prediction<unknown>, name: string): boolean {
  return (prediction.errors as readonly string[]).includes(name);
}
