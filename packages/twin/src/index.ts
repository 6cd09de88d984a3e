export { type BackoffPolicy, backoffDelayMs } from './backoff.js';
export { type DesiredReport, deployReport, invalidReport } from './desired-report.js';
export { parseTwinConfig, type ReportedRom, TWIN_DEFAULTS, type TwinConfig } from './twin-config.js';
export { TwinConfigError } from './twin-config-error.js';
