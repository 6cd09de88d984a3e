export { Log, Rom, Pd, StartFailed } from './services.js';
export { Entrypoint } from './entrypoint.js';
export { SignalHandler, SignalTransmitter, BlockingSignal, type SignalContextCapability } from './signal.js';
export { Env, type EnvParts, type RamAllocator, type RegionMap, type DataspaceCapability, type DataspaceInterface } from './env.js';
export { startComponent, isComponentModule, type ComponentModule } from './component.js';
export { Child, ENV_PD_SESSION_ID, type ChildPolicy, type Route } from './child.js';
export { Core, PdSession, type BinaryResolver } from './core.js';
export { boot, binaryTable, SystemStalledError, type SystemDescription, type BootOptions, type SystemHandle } from './boot.js';
export { AttachedRomDataspace, ROM_SESSION_RAM } from './attached-rom.js';
