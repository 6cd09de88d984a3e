export { type BackoffPolicy, backoffDelayMs } from '@os/timer';
export { type DesiredReport, deployReport, invalidReport } from './desired-report.js';
export { parseTwinConfig, type ReportedRom, TWIN_DEFAULTS, type TwinConfig } from './twin-config.js';
export { TwinConfigError } from './twin-config-error.js';
