/**
 * Test helpers for \@os components: boot one component, or an init config, in a small system on
 * virtual time on any kernel, and collect its LOG lines and exit value.
 *
 * @packageDocumentation
 */
export { runComponent, componentSystemConfig, type RunComponentOptions, type ComponentRun } from './run-component.js';
export { runSystem, type RunSystemOptions, type SystemRun, type RunEnd, type RunUntil } from './run-system.js';
export { kernelFactory, type KernelChoice } from './kernel-choice.js';
export { TestSystemError } from './test-system-error.js';
