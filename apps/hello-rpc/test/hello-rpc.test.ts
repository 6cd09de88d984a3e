import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { runHelloRpc } from '../src/system.js';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
const createKernel = kernelUnderTest().factory;

describe('hello-rpc', () => {
  it('prints the session of the key-value client, line by line', async () => {
    const lines: string[] = [];
    await runHelloRpc((line) => lines.push(line), createKernel());
    // selectors are each kernel's own: hw and seL4 hand out 1, NOVA the first selector above its reserved range
    expect(lines).toEqual([
      expect.stringMatching(/^\[store\] serving KeyValue as capability \d+ in its own space$/),
      expect.stringMatching(/^\[client\] got the store as capability \d+ in its own space$/),
      '[client] put greeting -> 1 entries',
      '[client] get greeting -> hello',
      '[client] get missing -> KeyNotFound: no entry "missing"',
      '[client] watcher: "answer" changed, store holds 2',
      '[client] dump -> {"greeting":"hello","answer":"42"} (4096 bytes of RAM quota in use)',
      '[client] after dissolve -> InvalidCapabilityError',
    ]);
  });

  it('leaves the kernel with the store object gone from every PD', async () => {
    const kernel = createKernel();
    const { clientPd } = await runHelloRpc(() => undefined, kernel);
    expect(
      kernel
        .capSpace(clientPd)
        .map((entry) => entry.kind)
        .sort(),
    ).toEqual(['dataspace', 'rpc-object']);
  });
});
