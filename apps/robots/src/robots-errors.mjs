/** A command line the robots cannot run with: the message names the option and says what to give instead. */
export class RobotsUsageError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'RobotsUsageError';
  }
}

/** The hub refused or failed to register a robot: the message names the device and the hub's answer. */
export class RobotRegistrationError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'RobotRegistrationError';
  }
}

/** A robot could not connect (to the hub or the gateway): the message names the device, the endpoint and why. */
export class RobotConnectError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'RobotConnectError';
  }
}
