import type { ServerResponse } from 'node:http';
import type { TelemetryMessage } from './telemetry-message.js';

/** How far a monitor may fall behind (bytes not yet taken by its socket) before the hub ends its stream. */
export const MAX_STREAM_BACKLOG_BYTES = 1024 * 1024;

/** The most telemetry streams a hub serves at once. */
export const MAX_TELEMETRY_STREAMS = 16;

/**
 * One telemetry message as the stream carries it (the hub's own form; IoT Hub hands telemetry out through its
 * Event Hubs-compatible endpoint over AMQP instead): the body as base64, so that every byte arrives as sent.
 */
export interface TelemetryEvent {
  /** The device that sent it. */
  readonly deviceId: string;
  /** When the hub took the message, ISO 8601. */
  readonly enqueuedTime: string;
  /** The payload as sent, base64. */
  readonly body: string;
  /** Application properties from the topic's property bag. */
  readonly properties: Readonly<Record<string, string>>;
  /** System properties (`messageId`, `contentType` ...). */
  readonly systemProperties: Readonly<Record<string, string>>;
}

/**
 * Serves `GET /messages/events[?deviceId=ID]` as server-sent events: a comment line once the stream is open, then
 * one `event: telemetry` with the message as JSON per telemetry message that arrives from then on (of `deviceId`
 * only, when given). A monitor that falls behind by more than `MAX_STREAM_BACKLOG_BYTES` gets an `event: overflow`
 * and the end of its stream, so that it cannot make the hub hold an unbounded backlog. Returns the function that
 * ends the stream.
 */
export function streamTelemetry(
  response: ServerResponse,
  subscribe: (listener: (message: TelemetryMessage) => void) => () => void,
  deviceId: string | undefined,
  closed: () => void,
): () => void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  response.write(`: monitoring ${deviceId === undefined ? 'every device' : `device ${deviceId}`}\n\n`);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    closed();
    response.end();
  };
  const unsubscribe = subscribe((message) => {
    if (ended || (deviceId !== undefined && message.deviceId !== deviceId)) return;
    if (response.writableLength > MAX_STREAM_BACKLOG_BYTES) {
      response.write(`event: overflow\ndata: ${JSON.stringify({ backlogBytes: response.writableLength })}\n\n`);
      end();
      return;
    }
    const event: TelemetryEvent = {
      deviceId: message.deviceId,
      enqueuedTime: message.enqueuedTime,
      body: message.body.toString('base64'),
      properties: message.properties,
      systemProperties: message.systemProperties,
    };
    response.write(`event: telemetry\ndata: ${JSON.stringify(event)}\n\n`);
  });
  response.on('close', end);
  return end;
}
