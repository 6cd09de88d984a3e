import deviceSdk from 'azure-iot-device'; // CommonJS: Node finds no named exports in it

const { Message } = deviceSdk;

/**
 * The telemetry message a robot sends as its `seq`-th reading (from 1): a JSON body with the counter and the time it
 * was made, application properties `robot` and `seq` (what a consumer filters and orders by), and system properties
 * message id (`<robot>-<seq>`), content type and encoding, as IoT Hub's routing on the body needs them.
 *
 * @param {string} robot the device id
 * @param {number} seq the counter, from 1
 * @param {number} now milliseconds since the epoch
 */
export function reading(robot, seq, now) {
  const message = new Message(JSON.stringify({ robot, seq, timestamp: new Date(now).toISOString() }));
  message.messageId = `${robot}-${seq}`;
  message.contentType = 'application/json';
  message.contentEncoding = 'utf-8';
  message.properties.add('robot', robot);
  message.properties.add('seq', String(seq));
  return message;
}
