import { FileSystem } from '@os/fs';
import { Net } from '@os/net';
import { Reporter } from '@os/runtime';
import { TimeoutScheduler } from '@os/timer';
import type { UpstreamContext } from './edge-hub-component.js';
import type { EdgeHubServer } from './edge-hub-server.js';
import { FileIdentityStore } from './identity-store.js';
import { TelemetryQueue } from './queue/telemetry-queue.js';
import { TELEMETRY_REPORT_BYTES, TelemetryReport } from './telemetry-report.js';
import { HubUpstream } from './upstream/hub-upstream.js';
import { parseUpstreamConfig, type UpstreamConfig } from './upstream-config.js';
import type { LeafIdentity, LeafLink, LeafTelemetryState, Upstream, UpstreamEvents } from './upstream-link.js';

/** Where the queue and the device scope lie in the `storage` File_system session. */
const QUEUE_DIRECTORY = '/queue';
const SCOPE_FILE = '/device_scope.json';

/** Sockets of the upstream side's Net session beyond one per leaf: leaves with queued messages that left. */
const SPARE_UPSTREAM_SOCKETS = 8;

/** The hub's MQTT endpoint from a connection string's `HostName` (`host[:port]`, 8883 when it names none). */
function hubEndpoint(hostName: string): { hostName: string; host: string; port: number } {
  const at = hostName.lastIndexOf(':');
  if (at < 0) return { hostName, host: hostName, port: 8883 };
  return { hostName, host: hostName.slice(0, at), port: Number(hostName.slice(at + 1)) };
}

/**
 * The edge hub's real upstream side: a {@link HubUpstream} over a {@link TelemetryQueue} in a File_system session
 * labelled `storage` (which also keeps the device scope), connections through a Net session labelled `upstream`, and
 * the `telemetry_state` report once the edge hub listens.
 */
export class StoredUpstream implements Upstream {
  readonly #upstream: HubUpstream;
  readonly #context: UpstreamContext;
  readonly #config: UpstreamConfig;
  readonly #alarms: TimeoutScheduler;

  private constructor(
    context: UpstreamContext,
    config: UpstreamConfig,
    upstream: HubUpstream,
    alarms: TimeoutScheduler,
  ) {
    this.#context = context;
    this.#config = config;
    this.#upstream = upstream;
    this.#alarms = alarms;
  }

  /** Opens the sessions, recovers the queue and the stored device scope, and starts draining what was queued. */
  static async open(context: UpstreamContext): Promise<StoredUpstream> {
    const { env, config, gateway } = context;
    const upstreamConfig = parseUpstreamConfig(config.upstream);
    const log = (line: string): Promise<void> => env.log(line);
    const fs = await FileSystem.Connection.open(env, { label: 'storage' });
    await fs.mkdirp(QUEUE_DIRECTORY);
    const restored = await context.keepIdentitiesIn(new FileIdentityStore(fs, SCOPE_FILE, gateway.deviceId, log));
    const queue = await TelemetryQueue.open({
      fs,
      directory: QUEUE_DIRECTORY,
      maxBytes: upstreamConfig.maxBytes,
      maxAgeMs: upstreamConfig.maxAgeS * 1000,
      now: context.nowMs,
      log,
    });
    const net = await Net.Connection.open(env, {
      label: 'upstream',
      sockets: config.maxLeaves + SPARE_UPSTREAM_SOCKETS,
    });
    const alarms = await TimeoutScheduler.open(env);
    const upstream = new HubUpstream({
      queue,
      net,
      hub: hubEndpoint(gateway.hostName),
      ca: context.hubCa,
      alarms,
      now: context.nowMs,
      random: Math.random,
      lookup: context.identity,
      log,
      settings: upstreamConfig.settings,
    });
    await upstream.start();
    const pending = queue.devicesWithMessages().length;
    if (restored > 0 || pending > 0)
      await log(`store and forward: ${pending} leaves with queued messages, ${restored} identities kept`);
    return new StoredUpstream(context, upstreamConfig, upstream, alarms);
  }

  /** {@inheritDoc Upstream.link} */
  link(identity: LeafIdentity, events: UpstreamEvents): LeafLink {
    return this.#upstream.link(identity, events);
  }

  /** {@inheritDoc Upstream.state} */
  state(): ReadonlyMap<string, LeafTelemetryState> {
    return this.#upstream.state();
  }

  /** Starts the `telemetry_state` report of `hub`'s leaves. */
  async report(hub: EdgeHubServer): Promise<void> {
    const { env } = this.#context;
    const report = new TelemetryReport({
      hub,
      upstream: this,
      reporter: await Reporter.open(env, 'telemetry_state', TELEMETRY_REPORT_BYTES),
      alarms: this.#alarms,
      periodMs: this.#config.reportMs,
      log: (line) => env.log(line),
    });
    await report.start();
  }
}
