/** A configuration that cannot work: names where (file and line, or start entry) and the fix. */
export class InitConfigError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'InitConfigError';
  }
}
