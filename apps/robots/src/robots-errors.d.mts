/** A command line the robots cannot run with. */
export declare class RobotsUsageError extends Error {}
/** The hub refused or failed to register a robot. */
export declare class RobotRegistrationError extends Error {}
/** A robot could not connect. */
export declare class RobotConnectError extends Error {}
