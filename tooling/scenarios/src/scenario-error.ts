/** A scenario step that did not hold: names the file, the line and the step, and shows what happened instead. */
export class ScenarioError extends Error {
  /** Creates the error for the step at `origin:line`. */
  constructor(origin: string, line: number, message: string) {
    super(`${origin}:${line}: ${message}`);
    this.name = 'ScenarioError';
  }
}
