export { init, construct, startChildren } from './init.js';
export { parseInitConfig, InitConfigError, type InitConfig, type StartEntry, type RouteTarget } from './config.js';
