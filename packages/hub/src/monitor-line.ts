import { type JsonValue, parseJson } from '@os/iothub';
import type { TelemetryEvent } from './telemetry-stream.js';

/**
 * The line `os hub monitor` prints for one telemetry message: JSON with `deviceId`, `enqueuedTime`, `body`,
 * `properties` and `systemProperties`. The body is shown as the JSON it holds, else as its text, else (bytes that are
 * not UTF-8) as base64 with `"bodyEncoding": "base64"`.
 */
export function monitorLine(event: TelemetryEvent): string {
  const bytes = Buffer.from(event.body, 'base64');
  const text = bytes.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(bytes);
  const json = isText ? parseJson(text) : undefined;
  const body: JsonValue = json !== undefined ? json : isText ? text : event.body;
  return JSON.stringify({
    deviceId: event.deviceId,
    enqueuedTime: event.enqueuedTime,
    body,
    ...(isText ? {} : { bodyEncoding: 'base64' }),
    properties: event.properties,
    systemProperties: event.systemProperties,
  });
}
