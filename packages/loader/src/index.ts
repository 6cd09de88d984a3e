export { BinaryLoader, type BinaryLoaderOptions, type LocatedBinary } from './binary-loader.js';
export { locateBinary, resolvePackageImport, type BinaryLocation } from './binary-location.js';
export {
  readComponentManifest,
  MANIFEST_FIELD,
  type ComponentManifest,
  type RequiredSession,
} from './component-manifest.js';
export { importConfined, exportsConstruct, isNodeBuiltin, type CompartmentGrant } from './confined-import.js';
export {
  LoaderError,
  BinaryNotFound,
  NotAComponent,
  ManifestError,
  WireVersionMismatch,
  ConfinementError,
} from './errors.js';
export { hardenRealm, realmIsHardened, requireHardenedRealm, LOCKDOWN_OPTIONS } from './harden-realm.js';
export { moduleBinary, type ModuleBinaryOptions } from './module-binary.js';
export { ModuleSources, type AnalysedModule } from './module-sources.js';
export { systemModules, hardenedNamespace, SYSTEM_MODULE_NAMES } from './system-modules.js';
export { MODULE_START_QUOTA } from './start-quota.js';
