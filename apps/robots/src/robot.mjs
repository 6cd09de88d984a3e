import deviceSdk from 'azure-iot-device'; // CommonJS: Node finds no named exports in these two
import mqttTransport from 'azure-iot-device-mqtt';
import { reading } from './reading.mjs';
import { RobotConnectError } from './robots-errors.mjs';
import { runWorkflow } from './run-workflow.mjs';

const { Client } = deviceSdk;
const { Mqtt } = mqttTransport;

/** Messages a robot sends but has no acknowledgement for yet, at most, unless told otherwise: bounds its memory. */
export const DEFAULT_MAX_IN_FLIGHT = 1000;

/** How often a robot looks whether readings are due, at the shortest (ms). */
const SHORTEST_TICK_MS = 10;

/** How long a robot waits for acknowledgements when it stops, at the longest (ms). */
const SETTLE_MS = 5000;

/**
 * One simulated robot: a leaf device on Microsoft's own device SDK (`azure-iot-device` over `azure-iot-device-mqtt`,
 * unchanged), sending readings in order at a fixed rate and answering `runWorkflow`. It counts what it sent, what the
 * hub (or the gateway in its place) acknowledged, and what failed.
 */
export class Robot {
  /** @type {import('azure-iot-device').Client} */
  #client;
  /** @type {string} */
  #deviceId;
  /** @type {number} */
  #rate;
  /** @type {number} */
  #limit;
  /** @type {number} */
  #maxInFlight;
  /** @type {(error: Error) => void} */
  #onError;
  #sent = 0;
  #acknowledged = 0;
  #failed = 0;
  #methods = 0;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #ticker;
  #startedAt = 0;
  #stopping = false;
  #connected = false;
  #reopening = false;
  /** @type {(() => void)[]} */
  #settledWaiters = [];

  /**
   * @param {import('azure-iot-device').Client} client
   * @param {import('./robot.d.mts').RobotOptions} options
   */
  constructor(client, options) {
    this.#client = client;
    this.#deviceId = options.deviceId;
    this.#rate = options.rate;
    this.#limit = options.messages ?? Number.POSITIVE_INFINITY;
    this.#maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Connects a robot with its device connection string (`HostName=...;DeviceId=...;SharedAccessKey=...`, with
   * `GatewayHostName=host:port` to go through a gateway) and subscribes it to direct methods. It sends nothing until
   * `start()`. Throws {@link RobotConnectError} when the hub or gateway refuses it or cannot be reached.
   *
   * @param {import('./robot.d.mts').RobotOptions} options
   */
  static async connect(options) {
    const client = Client.fromConnectionString(options.connectionString, Mqtt);
    const robot = new Robot(client, options);
    // awaited: the SDK first tries ca as a file path
    if (options.ca !== undefined) await client.setOptions({ ca: options.ca });
    client.on('error', (error) => robot.#onError(error));
    client.on('disconnect', () => {
      robot.#connected = false; // the SDK's retry policy gave up; the next tick opens again
    });
    try {
      await client.open();
    } catch (error) {
      await client.close().catch(() => {});
      const gateway = /;GatewayHostName=([^;]+)/.exec(options.connectionString)?.[1];
      const endpoint = gateway ?? /^HostName=([^;]+)/.exec(options.connectionString)?.[1] ?? 'the hub';
      const reason = (error instanceof Error && error.message) || String(error);
      throw new RobotConnectError(
        `robot ${options.deviceId} cannot connect to ${endpoint}: ${reason}; ` +
          'check that the hub (or gateway) runs, that the device is registered, and the CA (--ca)',
      );
    }
    robot.#connected = true;
    client.onDeviceMethod('runWorkflow', (request, response) => {
      const answer = runWorkflow(robot.#deviceId, request.payload);
      robot.#methods++;
      response.send(answer.status, answer.payload).catch((error) => robot.#onError(error));
    });
    return robot;
  }

  /** The device id. */
  get deviceId() {
    return this.#deviceId;
  }

  /** What it sent, what was acknowledged, what failed, and how many methods it answered, so far. */
  get counts() {
    return {
      sent: this.#sent,
      acknowledged: this.#acknowledged,
      failed: this.#failed,
      methods: this.#methods,
    };
  }

  /** Whether it has sent all its messages (`messages`) and has an answer for each. */
  get done() {
    return this.#sent >= this.#limit && this.#inFlight() === 0;
  }

  /** Starts sending: reading `n` is due `(n - 1) / rate` s after the start; late ones go out at once, in order. */
  start() {
    if (this.#ticker !== undefined || this.#stopping) return;
    this.#startedAt = Date.now();
    const period = Math.max(SHORTEST_TICK_MS, Math.floor(1000 / this.#rate));
    this.#ticker = setInterval(() => this.#tick(), period);
    this.#tick();
  }

  /**
   * Stops sending, waits (a few seconds at most) for the acknowledgements of what is in flight, counts the rest as
   * failed, and closes the client: afterwards the hub sees the device disconnected.
   */
  async stop() {
    this.#stopping = true;
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    if (this.#inFlight() > 0) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, SETTLE_MS);
        this.#settledWaiters.push(() => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    this.#failed += this.#inFlight();
    this.#sent = this.#acknowledged + this.#failed; // late answers no longer count
    await this.#client.close().catch((error) => this.#onError(error));
    this.#client.removeAllListeners();
  }

  #inFlight() {
    return this.#sent - this.#acknowledged - this.#failed;
  }

  #tick() {
    if (this.#stopping) return;
    if (!this.#connected) {
      this.#reopen();
      return;
    }
    const due = Math.min(this.#limit, Math.floor(((Date.now() - this.#startedAt) * this.#rate) / 1000) + 1);
    while (this.#sent < due && this.#inFlight() < this.#maxInFlight) {
      this.#sent++;
      this.#client.sendEvent(reading(this.#deviceId, this.#sent, Date.now())).then(
        () => this.#settle(true),
        (error) => {
          this.#settle(false);
          this.#onError(error);
        },
      );
    }
  }

  /** @param {boolean} acknowledged */
  #settle(acknowledged) {
    if (this.#stopping && this.#inFlight() === 0) return; // counted as failed at stop
    if (acknowledged) this.#acknowledged++;
    else this.#failed++;
    if (this.#inFlight() === 0) for (const waiter of this.#settledWaiters.splice(0)) waiter();
  }

  #reopen() {
    if (this.#reopening) return;
    this.#reopening = true;
    this.#client.open().then(
      () => {
        this.#connected = true;
        this.#reopening = false;
      },
      (error) => {
        this.#reopening = false;
        this.#onError(error);
      },
    );
  }
}
