import { createHwKernel } from '@os/kernel-hw';
import { createNovaKernel } from '@os/kernel-nova';
import { createSel4Kernel } from '@os/kernel-sel4';
import type { CheckedKernel } from './world.js';

/**
 * Every backend as the model checks it. hw has no native revoke, so its derivation policy is never
 * consulted; NOVA's mapping database derives along delegation chains, and a message's capabilities
 * land in one aligned receive window; seL4's copies of badged capabilities are all children of
 * core's original.
 */
export const CHECKED_KERNELS: readonly CheckedKernel[] = [
  { name: 'hw', create: (capSpaceSize) => createHwKernel({ capSpaceSize }), derivation: 'chain' },
  {
    name: 'nova',
    create: (capSpaceSize) => createNovaKernel({ capSpaceSize }),
    derivation: 'chain',
    receiveWindows: true,
  },
  { name: 'sel4', create: (capSpaceSize) => createSel4Kernel({ capSpaceSize }), derivation: 'siblings' },
];

/** The checked backend named `name`; throws if there is none. */
export function checkedKernel(name: string): CheckedKernel {
  const found = CHECKED_KERNELS.find((kernel) => kernel.name === name);
  if (found === undefined)
    throw new Error(`no kernel "${name}"; use one of ${CHECKED_KERNELS.map((kernel) => kernel.name).join(', ')}`);
  return found;
}
