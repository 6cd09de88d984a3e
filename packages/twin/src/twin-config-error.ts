/** The twin component's `<config>` is wrong; the message names the attribute and what to write. */
export class TwinConfigError extends Error {
  /** Stable code of this failure, `ERR_OS_TWIN_CONFIG`: compare it, not the class. */
  readonly code = 'ERR_OS_TWIN_CONFIG';

  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'TwinConfigError';
  }
}
