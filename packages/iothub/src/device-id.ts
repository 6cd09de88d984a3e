/** What IoT Hub allows in a device id: up to 128 ASCII letters, digits and `-:.+%_#*?!(),=@;$'`. */
export const DEVICE_ID = /^[A-Za-z0-9\-:.+%_#*?!(),=@;$']{1,128}$/;

/** Whether `text` is a device id IoT Hub accepts (see {@link DEVICE_ID}). */
export function isDeviceId(text: string): boolean {
  return DEVICE_ID.test(text);
}
