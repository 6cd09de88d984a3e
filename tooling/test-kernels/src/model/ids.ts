/**
 * A protection domain as the model names it: one per `createPd`, never reused, so a PD created
 * after another was destroyed is a different PD even where a backend reuses the `PdId`.
 */
export type ModelPdId = number;

/**
 * An object (RPC object, signal context, dataspace) as the model names it: dense, in creation order.
 * Backends name objects differently; the harness pairs each model id with the backend's object
 * identity once, when the object is created, and compares by that pairing from then on.
 */
export type ModelObjectId = number;

/** Names one PD's holding of one object, e.g. for maps keyed by (object, PD). */
export function holdingKey(object: ModelObjectId, pd: ModelPdId): string {
  return `${object}@${pd}`;
}
