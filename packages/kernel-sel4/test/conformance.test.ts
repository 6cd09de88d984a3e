import { defineConformanceSuite } from '@os/kernel';
import { createSel4Kernel } from '@os/kernel-sel4';
import { describe, it } from 'vitest';

defineConformanceSuite('sel4', (options) => createSel4Kernel({ ...options, capSpaceSize: 256 }), { describe, it });
