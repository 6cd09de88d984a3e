export {
  ARCHIVE_KINDS,
  BIN_ARCH,
  DEPOT_NAME_RULE,
  USER_PLACEHOLDER,
  archiveFileName,
  archivePath,
  isDepotName,
  parseArchivePath,
  signatureFileName,
  type ArchiveKind,
  type ArchivePath,
  type ArchivePathOptions,
} from './archive-path.js';
export { MAX_PKG_ARCHIVES, formatArchivesFile, parseArchivesFile, type ArchivesFileOptions } from './archives-file.js';
export type { ArchiveContent } from './archive-content.js';
export { DepotTrust } from './depot-trust.js';
export {
  ArchivePathError,
  ArchiveTooLarge,
  BadSignature,
  CorruptArchive,
  DepotError,
  DepotKeyError,
  MissingArchive,
  PkgError,
  PublishError,
  RuntimeFileError,
  UnknownUser,
  UnsafeEntry,
} from './errors.js';
export { DEFAULT_EXTRACT_LIMITS, type ExtractLimits } from './extract-limits.js';
export { packArchive } from './pack-archive.js';
export {
  MAX_RUNTIME_FILE,
  formatRuntimeFile,
  parseRuntimeFile,
  type PkgRuntime,
  type RuntimeFileContent,
  type RuntimeRom,
  type RuntimeService,
} from './runtime-file.js';
export { RUNTIME_SERVICES, runtimeNodeOf } from './runtime-services.js';
export {
  SIGNATURE_LENGTH,
  generateDepotKeyPair,
  readPrivateKey,
  readPublicKey,
  signBytes,
  verifyBytes,
  type DepotKeyPair,
} from './signing.js';
export {
  MAX_PKG_CLOSURE,
  depotFiles,
  CheckedArchives,
  missingArchives,
  verifyPkg,
  verifySignature,
  type DepotFile,
  type FetchedArchives,
  type SignedArchive,
  type VerifiedPkg,
  type VerifyOptions,
} from './verify-pkg.js';
