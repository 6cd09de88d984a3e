import { resolve } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { runComponent } from '@os/testing';
import { describe, expect, it } from 'vitest';

const directory = resolve(import.meta.dirname, '..');
const kernel = kernelUnderTest().name as 'hw' | 'nova' | 'sel4';

describe(`the blinker, booted by @os/testing on ${kernel}`, () => {
  it('blinks as configured, on virtual time, and exits with 0', async () => {
    const run = await runComponent({
      binary: '@acme/blinker',
      directory,
      kernel,
      config: '<config led="led3" period_ms="40" count="5"/>',
    });
    expect(run.output).toEqual(['led3 on', 'led3 off', 'led3 on', 'led3 off', 'led3 on']);
    expect(run.end).toEqual({ kind: 'exit', value: 0 });
    expect(run.virtualUs).toBe(200_000);
  });

  it('takes its defaults without a config attribute', async () => {
    const run = await runComponent({ binary: './blinker.mjs', directory, kernel, config: '<config/>' });
    expect(run.output).toEqual(['led0 on', 'led0 off', 'led0 on', 'led0 off']);
    expect(run.virtualUs).toBe(2_000_000);
  });

  it('is checked against its own manifest, found by its package name', async () => {
    await expect(runComponent({ binary: '@acme/blinker', directory, kernel, caps: 10 })).rejects.toThrow(
      'package "@acme/blinker" needs at least caps="50", but the start entry gives 10',
    );
    const once = await runComponent({ binary: '@acme/blinker', directory, kernel, config: '<config count="1"/>' });
    expect(once.output).toEqual(['led0 on']);
  });
});
