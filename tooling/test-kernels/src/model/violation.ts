/**
 * Thrown when something a backend did breaks a rule of the specification outright, for instance
 * handing out a selector that is already in use, or when the model is driven inconsistently (asked
 * to record an operation it predicted to fail). The harness reports it as a divergence.
 */
export class SpecViolation extends Error {
  /** Creates the violation with a sentence saying which rule broke. */
  constructor(message: string) {
    super(message);
    this.name = 'SpecViolation';
  }
}
