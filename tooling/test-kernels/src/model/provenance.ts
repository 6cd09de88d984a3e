import { type ModelObjectId, type ModelPdId, holdingKey } from './ids.js';
import { SpecViolation } from './violation.js';

/**
 * Where each holding came from: the chain of PDs an object passed through, from its owner to the
 * holder, each step a hand-over (delegation or a capability carried in a message) made while the
 * giver held the object. The seam's confinement promise is that no PD holds an object by any other
 * route; {@link Provenance.violations} checks a holding against the recorded hand-overs.
 */
export class Provenance {
  readonly #paths = new Map<string, readonly ModelPdId[]>();
  readonly #handOvers = new Set<string>();

  /** `owner` created `object`: its chain is just the owner. */
  created(object: ModelObjectId, owner: ModelPdId): void {
    this.#paths.set(holdingKey(object, owner), [owner]);
  }

  /** `from`, holding `object`, handed it to `to`, which did not hold it. */
  handedOver(object: ModelObjectId, from: ModelPdId, to: ModelPdId): void {
    const path = this.#paths.get(holdingKey(object, from));
    if (path === undefined) throw new SpecViolation(`PD ${from} handed over object ${object} without holding it`);
    this.#handOvers.add(handOverKey(object, from, to));
    this.#paths.set(holdingKey(object, to), [...path, to]);
  }

  /** `pd` no longer holds `object`. */
  dropped(object: ModelObjectId, pd: ModelPdId): void {
    this.#paths.delete(holdingKey(object, pd));
  }

  /** The chain by which `pd` came to hold `object`, or undefined if it holds none. */
  pathOf(object: ModelObjectId, pd: ModelPdId): readonly ModelPdId[] | undefined {
    return this.#paths.get(holdingKey(object, pd));
  }

  /** What is wrong with `holder`'s holding of `object` owned by `owner`: no chain, or a step that never happened. */
  violations(object: ModelObjectId, owner: ModelPdId, holder: ModelPdId): string[] {
    const path = this.#paths.get(holdingKey(object, holder));
    if (path === undefined) return [`PD ${holder} holds object ${object} with no recorded chain of hand-overs`];
    const violations: string[] = [];
    if (path[0] !== owner || path[path.length - 1] !== holder)
      violations.push(
        `object ${object}: chain ${path.join('->')} does not lead from its owner ${owner} to PD ${holder}`,
      );
    for (let step = 1; step < path.length; step++) {
      const from = path[step - 1] as ModelPdId;
      const to = path[step] as ModelPdId;
      if (!this.#handOvers.has(handOverKey(object, from, to)))
        violations.push(`object ${object} never went from PD ${from} to PD ${to}`);
    }
    return violations;
  }
}

function handOverKey(object: ModelObjectId, from: ModelPdId, to: ModelPdId): string {
  return `${object}:${from}->${to}`;
}
