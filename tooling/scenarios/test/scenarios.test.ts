import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/index.js';

const directory = fileURLToPath(new URL('../../../packages/init/test/scenarios/', import.meta.url));
const files = readdirSync(directory).filter((file) => file.endsWith('.xml')).sort();
const kernel = kernelUnderTest().factory;

describe(`init scenarios on ${kernelUnderTest().name}`, () => {
  it('finds the scenarios', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file, async () => {
      await runScenario(readFileSync(`${directory}${file}`, 'utf8'), `packages/init/test/scenarios/${file}`, { kernel });
    });
  }
});
