// The download component of @os/depot (Genode's depot_download_manager): trusted host-side code, as the built-in
// binary `depot_download` of `os run`. It speaks HTTP with node:http, but every byte goes through its Net session and
// every file through its File_system session. Never granted to a confined component.

export { depotDownload } from './download/depot-download.js';
export { DOWNLOAD_DEFAULTS, parseDownloadConfig, type DownloadConfig } from './download/download-config.js';
export {
  DepotUnreachable,
  DownloadConfigError,
  FetchFailed,
  ResponseTooLarge,
  UnexpectedResponse,
} from './download/download-errors.js';
export {
  DownloadState,
  parseDownloadState,
  type ArchiveState,
  type ArchiveStatus,
} from './download/download-state.js';
export { backoffDelayMs, type BackoffPolicy } from './download/backoff.js';
export { MAX_INSTALLATION_ARCHIVES, parseInstallation, type WantedArchive } from './download/installation.js';
export type { ArchiveKind, ArchivePath } from './archive-path.js';
export { DepotTrust } from './depot-trust.js';
export { ArchivePathError, DepotError } from './errors.js';
export type { ExtractLimits } from './extract-limits.js';
