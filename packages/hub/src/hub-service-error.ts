/**
 * A refusal of the hub's service API, carried as IoT Hub carries it: an HTTP status, IoT Hub's error code
 * (`DeviceNotFound`, `PreconditionFailed` ...) and a message that says what is wrong and what to do.
 */
export class HubServiceError extends Error {
  override readonly name = 'HubServiceError';

  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** IoT Hub's error code, as in the `iothub-errorcode` header and the body's `Message`. */
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}
