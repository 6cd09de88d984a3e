import { Core } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';

const createKernel = kernelUnderTest().factory;

describe('Core.createPdSession', () => {
  it('a PD session core cannot pay for leaves no kernel PD behind, and core keeps its quota', () => {
    const kernel = createKernel();
    const core = new Core({
      kernel,
      ram: 1 << 20,
      caps: 100,
      binaries: async () => ({ construct() {} }),
      roms: new Map(),
      log: () => undefined,
    });
    const before = kernel.quota(core.pd);
    const probe = kernel.createPd('probe');
    expect(() => core.createPdSession('too big', 2 << 20, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_OS_QUOTA_EXCEEDED' }),
    );
    // the PD created for the session (the id after the probe's) was destroyed again
    expect(() => kernel.quota(probe + 1)).toThrow();
    expect(kernel.quota(core.pd)).toEqual(before);
  });
});
