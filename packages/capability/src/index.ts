export { Capability, InvalidatedCapabilityError, type InterfaceOf } from './capability.js';
