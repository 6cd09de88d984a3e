export { GatewaySettingsError, parseSettings, readSettings, settingsFile } from './settings.js';
export type { ComponentNetwork, GatewaySettings } from './settings.js';
export { HUB_CA_ROM, gatewayConfig } from './gateway-config.js';
export { GATEWAY_MACHINE, gatewayBuiltins, gatewaySystem } from './gateway-system.js';
