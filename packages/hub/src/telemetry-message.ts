/** One device-to-cloud message as the hub received it. */
export interface TelemetryMessage {
  /** The device that sent it. */
  readonly deviceId: string;
  /** When the hub took the message, ISO 8601. */
  readonly enqueuedTime: string;
  /** The payload as sent. */
  readonly body: Buffer;
  /** Application properties from the topic's property bag. */
  readonly properties: Readonly<Record<string, string>>;
  /** System properties from the property bag (`$.mid` as `messageId`, `$.ct` as `contentType` ...). */
  readonly systemProperties: Readonly<Record<string, string>>;
}
