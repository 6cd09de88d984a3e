import { KERNELS } from '@os/cli';
import type { KernelFactory } from '@os/kernel';
import { TestSystemError } from './test-system-error.js';

/** A kernel backend by its `os run --kernel` name, or any factory of the kernel seam. */
export type KernelChoice = 'hw' | 'nova' | 'sel4' | KernelFactory;

/** The factory a {@link KernelChoice} names; an unknown name is an error listing the known ones. */
export function kernelFactory(choice: KernelChoice | undefined): KernelFactory {
  if (typeof choice === 'function') return choice;
  const name = choice ?? 'hw';
  const factory = KERNELS[name];
  if (factory === undefined)
    throw new TestSystemError(`kernel "${String(name)}" is not one of ${Object.keys(KERNELS).join(', ')}`);
  return factory;
}
