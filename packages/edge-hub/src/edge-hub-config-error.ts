/** The edge hub's `<config>` is wrong; the message names the attribute (or ROM) and what to write. */
export class EdgeHubConfigError extends Error {
  /** Stable code of this failure, `ERR_OS_EDGE_HUB_CONFIG`: compare it, not the class. */
  readonly code = 'ERR_OS_EDGE_HUB_CONFIG';

  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'EdgeHubConfigError';
  }
}
