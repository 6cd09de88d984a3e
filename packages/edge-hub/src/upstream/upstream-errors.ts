/** Base of the upstream side's refusals. */
export class UpstreamError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A publish of the leaf while its upstream connection is down: IoT Hub keeps no such message, nor does the gateway. */
export class UpstreamNotConnected extends UpstreamError {}

/** A telemetry message over IoT Hub's 256 KB: the hub would close the connection at it, again at every re-send. */
export class UpstreamMessageTooLarge extends UpstreamError {}

/** The hub refused a subscription of the leaf (SUBACK 0x80). */
export class UpstreamSubscriptionRefused extends UpstreamError {}

/** A call on a `LeafLink` that was closed, or replaced by a newer link of the same leaf. */
export class UpstreamLinkClosed extends UpstreamError {}

/** A connection to the hub that ended, or never came up; the message says why. */
export class HubConnectionDown extends UpstreamError {
  /** Whether the hub refused the device's credentials (CONNACK 4 or 5): the other key may be the one it has. */
  refusedCredentials = false;
}
