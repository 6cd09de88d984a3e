/** What a robot counted: readings sent, acknowledged by the hub (or gateway), failed, and methods it answered. */
export interface RobotCounts {
  readonly sent: number;
  readonly acknowledged: number;
  readonly failed: number;
  readonly methods: number;
}

/** How a robot connects and sends. */
export interface RobotOptions {
  /** The device id. */
  readonly deviceId: string;
  /** Its device connection string, with `GatewayHostName=host:port` to go through a gateway. */
  readonly connectionString: string;
  /** The CA certificate (PEM) to trust; Node's own CAs when absent. */
  readonly ca?: string | undefined;
  /** Readings per second. */
  readonly rate: number;
  /** Readings to send in all; no end when absent. */
  readonly messages?: number | undefined;
  /** Readings sent but not yet acknowledged, at most (1000 when absent). */
  readonly maxInFlight?: number | undefined;
  /** Told of each error the SDK reports (a failed send, a lost connection). */
  readonly onError?: ((error: Error) => void) | undefined;
}

/** Messages a robot sends but has no acknowledgement for yet, at most, unless told otherwise. */
export declare const DEFAULT_MAX_IN_FLIGHT: number;

/** One simulated robot on Microsoft's device SDK: readings in order at a rate, and `runWorkflow`. */
export declare class Robot {
  /** Connects and subscribes to direct methods; throws `RobotConnectError` when refused or unreachable. */
  static connect(options: RobotOptions): Promise<Robot>;
  /** The device id. */
  get deviceId(): string;
  /** What it counted so far. */
  get counts(): RobotCounts;
  /** Whether all `messages` are sent and answered. */
  get done(): boolean;
  /** Starts sending. */
  start(): void;
  /** Stops sending, waits a little for acknowledgements (the rest count as failed), closes the client. */
  stop(): Promise<void>;
}
