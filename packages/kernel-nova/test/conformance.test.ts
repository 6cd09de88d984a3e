import { defineConformanceSuite } from '@os/kernel';
import { describe, it } from 'vitest';
import { createNovaKernel } from '@os/kernel-nova';

defineConformanceSuite('nova', (options) => createNovaKernel({ ...options, capSpaceSize: 256 }), { describe, it });
