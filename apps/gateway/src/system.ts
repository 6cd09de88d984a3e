// What `os run apps/gateway` boots: the gateway with the settings of OS_GATEWAY_SETTINGS, else ./gateway.json.
// Programs and tests import ./index.js instead, which reads no settings of its own.
import type { SystemDescription } from '@os/runtime/host';
import { gatewaySystem } from './gateway-system.js';
import { readSettings, settingsFile } from './settings.js';

/** The gateway of the settings file `settingsFile()` names. */
export const system: SystemDescription = await gatewaySystem(readSettings(settingsFile()));
