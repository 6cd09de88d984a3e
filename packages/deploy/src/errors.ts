import { CodedError } from '@os/kernel';

/**
 * deploy's own `<config>` is wrong: no budget, a `<trust>` without a user, an unknown node. The message names the
 * config's line and the fix; deploy does not start with such a config (its parent sees exit 1).
 */
export class DeployConfigError extends CodedError {}
