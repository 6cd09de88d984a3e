/** No hub runs with this data directory: `os hub start --data DIR` has not been run, or it has stopped. */
export class HubNotRunningError extends Error {
  override readonly name = 'HubNotRunningError';

  constructor(readonly dataDir: string) {
    super(`no hub is running with data directory ${dataDir} (no hub.json there): start one with os hub start --data ${dataDir}`);
  }
}

/** The hub could not start: its ports are taken, or its data directory cannot be used. */
export class HubStartError extends Error {
  override readonly name = 'HubStartError';
}

/** The hub's service API refused a request: `status` and IoT Hub's `errorCode` say why. */
export class HubRequestError extends Error {
  override readonly name = 'HubRequestError';

  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}
