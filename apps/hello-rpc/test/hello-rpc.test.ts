import { createHwKernel } from '@os/kernel-hw';
import { describe, expect, it } from 'vitest';
import { runHelloRpc } from '../src/system.js';

describe('hello-rpc', () => {
  it('prints the session of the key-value client, line by line', async () => {
    const lines: string[] = [];
    await runHelloRpc((line) => lines.push(line), createHwKernel());
    expect(lines).toEqual([
      '[store] serving KeyValue as capability 1 in its own space',
      '[client] got the store as capability 1 in its own space',
      '[client] put greeting -> 1 entries',
      '[client] get greeting -> hello',
      '[client] get missing -> KeyNotFound: no entry "missing"',
      '[client] watcher: "answer" changed, store holds 2',
      '[client] dump -> {"greeting":"hello","answer":"42"} (4096 bytes of RAM quota in use)',
      '[client] after dissolve -> InvalidCapabilityError',
    ]);
  });

  it('leaves the kernel with the store object gone from every PD', async () => {
    const kernel = createHwKernel();
    await runHelloRpc(() => undefined, kernel);
    const client = 3;
    expect(kernel.capSpace(client).map((entry) => entry.kind).sort()).toEqual(['dataspace', 'rpc-object']);
  });
});
