import { defineConformanceSuite } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { describe, it } from 'vitest';

defineConformanceSuite('hw', (options) => createHwKernel({ ...options, capSpaceSize: 256 }), { describe, it });
