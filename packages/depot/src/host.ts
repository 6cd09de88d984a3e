export {
  DEFAULT_DEPOT,
  depotCommand,
  registerDepotCommand,
  type DepotCommandOptions,
  type DepotOutput,
} from './depot-command.js';
export { serveDepot, type DepotServer, type ServeOptions } from './depot-server.js';
export { defaultKeyFile, keygen, trustFromDepot, type KeygenOptions, type KeygenResult } from './key-files.js';
export { publish, type PublishOptions, type PublishResult } from './publish.js';
export type { ArchiveKind, ArchivePath } from './archive-path.js';
export { DepotTrust } from './depot-trust.js';
