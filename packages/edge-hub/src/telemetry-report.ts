import type { Reporter } from '@os/runtime';
import type { EdgeHubServer } from './edge-hub-server.js';
import type { Alarms } from './upstream/alarms.js';
import type { Upstream } from './upstream-link.js';

/** The largest `telemetry_state` report: about 150 bytes a leaf for the 100 leaves IoT Hub's 32 KB reported allows. */
export const TELEMETRY_REPORT_BYTES = 64 * 1024;

/**
 * A device id as a twin key: IoT Hub allows `.` and `$` in device ids but not in twin keys, so those (and `%`) are
 * percent-encoded (`robot.7` is reported as `robot%2E7`).
 */
export function twinKey(deviceId: string): string {
  return deviceId.replace(/[%.$]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The edge hub's `telemetry_state` report, which the twin patches into `properties.reported.dynamic.telemetry`: per
 * leaf device (by {@link twinKey}), messages forwarded to the hub, queued, dropped, whether its upstream connection is
 * up and whether the leaf is connected to the gateway. Brought up to date every `periodMs` when it changed, so a flood
 * of messages costs one report a period.
 */
export class TelemetryReport {
  readonly #hub: EdgeHubServer;
  readonly #upstream: Upstream;
  readonly #reporter: Reporter;
  readonly #alarms: Alarms;
  readonly #periodMs: number;
  readonly #log: (line: string) => Promise<void>;
  #last = '';

  constructor(parts: {
    hub: EdgeHubServer;
    upstream: Upstream;
    reporter: Reporter;
    alarms: Alarms;
    periodMs: number;
    log: (line: string) => Promise<void>;
  }) {
    this.#hub = parts.hub;
    this.#upstream = parts.upstream;
    this.#reporter = parts.reporter;
    this.#alarms = parts.alarms;
    this.#periodMs = parts.periodMs;
    this.#log = parts.log;
  }

  /** The report's text now. */
  text(): string {
    const leaves: Record<string, unknown> = {};
    const ids = new Set([...this.#upstream.state().keys(), ...this.#hub.connectedLeaves()]);
    const state = this.#upstream.state();
    for (const deviceId of [...ids].sort()) {
      const counts = state.get(deviceId) ?? { forwarded: 0, queued: 0, dropped: 0, upstreamConnected: false };
      leaves[twinKey(deviceId)] = {
        forwarded: counts.forwarded,
        queued: counts.queued,
        dropped: counts.dropped,
        upstreamConnected: counts.upstreamConnected,
        connected: this.#hub.isConnected(deviceId),
      };
    }
    return JSON.stringify({ leaves });
  }

  /** Reports now when the state changed, then every period. */
  async start(): Promise<void> {
    await this.#update();
  }

  async #update(): Promise<void> {
    try {
      const text = this.text();
      if (text !== this.#last) {
        this.#last = text;
        await this.#reporter.report(text);
      }
    } catch (error) {
      await this.#log(
        `Warning: telemetry_state not reported: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    await this.#alarms.schedule(this.#periodMs, () => void this.#update());
  }
}
