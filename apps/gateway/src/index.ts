export { GatewaySettingsError, parseSettings, readSettings, settingsFile } from './settings.js';
export type { ComponentNetwork, EdgeHubSettings, GatewaySettings } from './settings.js';
export { EDGE_HUB_CERT_ROM, EDGE_HUB_KEY_ROM, HUB_CA_ROM, STORAGE, gatewayConfig } from './gateway-config.js';
export { type EdgeCertificates, edgeCertificates } from './edge-certificates.js';
export { GATEWAY_MACHINE, gatewayBuiltins, gatewaySystem } from './gateway-system.js';
