import type { KernelFactory } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { createNovaKernel } from '@os/kernel-nova';
import { createSel4Kernel } from '@os/kernel-sel4';

/** One kernel backend by its `--kernel` name. */
export interface NamedKernel {
  /** `hw`, `nova` or `sel4`. */
  readonly name: string;
  /** Makes a fresh kernel of that backend. */
  readonly factory: KernelFactory;
}

/** Every backend: app and system tests run once per entry (`describe.each(KERNELS)`). */
export const KERNELS: readonly NamedKernel[] = [
  { name: 'hw', factory: createHwKernel },
  { name: 'nova', factory: createNovaKernel },
  { name: 'sel4', factory: createSel4Kernel },
];

/** Thrown when `OS_KERNEL` names no backend. */
export class UnknownKernelError extends Error {
  /** Creates the error for `name`. */
  constructor(name: string) {
    super(`OS_KERNEL="${name}" names no kernel; use one of ${KERNELS.map((kernel) => kernel.name).join(', ')}`);
    this.name = 'UnknownKernelError';
  }
}

/**
 * The kernel a system test runs on: `OS_KERNEL` (set per vitest project, one project per kernel),
 * `hw` when unset. System tests take their kernel from here, so each runs once on every backend.
 */
export function kernelUnderTest(): NamedKernel {
  const name = process.env['OS_KERNEL'] ?? 'hw';
  const found = KERNELS.find((kernel) => kernel.name === name);
  if (found === undefined) throw new UnknownKernelError(name);
  return found;
}

export * from './model/index.js';
export * from './model-check/index.js';
