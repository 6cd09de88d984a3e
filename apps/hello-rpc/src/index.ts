export { runHelloRpc, type LogLine } from './system.js';
export { KeyValue, Watcher, KeyNotFound } from './key-value.js';
export { StoreServer } from './store-server.js';
