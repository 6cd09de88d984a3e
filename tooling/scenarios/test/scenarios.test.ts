import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/index.js';

const directory = fileURLToPath(new URL('../../../packages/init/test/scenarios/', import.meta.url));
const files = readdirSync(directory)
  .filter((file) => file.endsWith('.xml'))
  .sort();
const kernel = kernelUnderTest().factory;

describe(`init scenarios on ${kernelUnderTest().name}`, () => {
  it('finds the scenarios', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  it('lists a restarted child where its start entry stands, as Genode does', async () => {
    const run = await runScenario(
      readFileSync(`${directory}heartbeat.xml`, 'utf8'),
      'packages/init/test/scenarios/heartbeat.xml',
      { kernel },
    );
    const last = run.states.at(-1) ?? '';
    expect([...last.matchAll(/<child name="([^"]+)"/g)].map((match) => match[1])).toEqual([
      'stuck',
      'healthy',
      'watched',
      'unwatched',
    ]);
    // and it was restarted: its id is past the first four
    expect(Number(/<child name="stuck" binary="dummy" id="(\d+)"/.exec(last)?.[1])).toBeGreaterThan(4);
  });

  for (const file of files) {
    it(file, async () => {
      await runScenario(readFileSync(`${directory}${file}`, 'utf8'), `packages/init/test/scenarios/${file}`, {
        kernel,
      });
    });
  }
});
