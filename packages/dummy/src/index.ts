export { construct, dummy, CONFIG_STRING_CAPACITY, DEFAULT_SLEEP_MS, DUMMY_CONFIG_NODES } from './dummy.js';
export { LogServiceRoot, type LogServiceOptions } from './log-service-root.js';
export { LogSessionComponent, LOG_MESSAGE_CAPACITY } from './log-session-component.js';
export { LogConnection, LOG_SESSION_RAM, LOG_SESSION_CAPS } from './log-connection.js';
export { ConsumeError, type ConsumedResource } from './consume-error.js';
export { CAP_CONSUMER_MAX } from './cap-consumer.js';
export { numberOfBytes, boundedString } from './genode-text.js';
