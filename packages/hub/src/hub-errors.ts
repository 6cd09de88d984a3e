/** No hub runs with this data directory: `os hub start --data DIR` has not been run, or it has stopped. */
export class HubNotRunningError extends Error {
  /** The class's name, for messages and checks across realms. */
  override readonly name = 'HubNotRunningError';

  constructor(
    /** The data directory looked in. */
    readonly dataDir: string,
  ) {
    super(
      `no hub is running with data directory ${dataDir} (no hub.json there): ` +
        `start one with os hub start --data ${dataDir}`,
    );
  }
}

/** The hub could not start: its ports are taken, or its data directory cannot be used. */
export class HubStartError extends Error {
  /** The class's name, for messages and checks across realms. */
  override readonly name = 'HubStartError';
}

/** The hub's service API refused a request: `status` and IoT Hub's `errorCode` say why. */
export class HubRequestError extends Error {
  /** The class's name, for messages and checks across realms. */
  override readonly name = 'HubRequestError';

  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** IoT Hub's error code (`DeviceNotFound`, `ArgumentInvalid` ...). */
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}
