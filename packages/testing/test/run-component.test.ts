import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '@os/runtime';
import { Timer } from '@os/timer';
import { kernelUnderTest } from '@os/test-kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { TestSystemError, componentSystemConfig, runComponent, runSystem } from '../src/index.js';

const kernel = kernelUnderTest().name as 'hw' | 'nova' | 'sel4';
let directory: string;

const ticker = `import { Timer } from '@os/timer';
export async function construct(env) {
  const timer = await Timer.Connection.open(env);
  for (let tick = 1; ; tick++) { await timer.msleep(1000); await env.log('tick ' + tick); }
}
`;

beforeAll(() => {
  directory = realpathSync(mkdtempSync(join(tmpdir(), 'os-testing-')));
  writeFileSync(join(directory, 'ticker.mjs'), ticker);
  writeFileSync(
    join(directory, 'greeter.mjs'),
    `import { AttachedRomDataspace } from '@os/runtime';
export async function construct(env) {
  const rom = await AttachedRomDataspace.open(env, 'config');
  await env.log('hello ' + rom.xml().stringAttribute('who', 'world'));
  await env.parent.exit(rom.xml().numberAttribute('exit', 0));
}
`,
  );
  writeFileSync(
    join(directory, 'program.mjs'),
    `import { readFileSync } from 'node:fs';
console.log(readFileSync('/data.txt', 'utf8').trim(), process.argv.slice(2).join(' '));
setTimeout(() => process.exit(7), 5000);
`,
  );
  writeFileSync(join(directory, 'data.txt'), 'from a ROM\n');
  const pkg = join(directory, 'node_modules/@acme/greedy');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: '@acme/greedy',
      version: '1.0.0',
      type: 'module',
      exports: './index.js',
      osComponent: { wire: 1, ram: '3M', caps: 120 },
    }),
  );
  writeFileSync(
    join(pkg, 'index.js'),
    `export async function construct(env) { await env.log('quota ' + env.pd.quota().ramLimit + ' ' + ` +
      `env.pd.quota().capLimit); await env.parent.exit(0); }\n`,
  );
});

describe(`runComponent on ${kernel}`, () => {
  it('boots a module file with its config, collects its output and exit value', async () => {
    const run = await runComponent({
      binary: './greeter.mjs',
      directory,
      kernel,
      config: '<config who="tests" exit="3"/>',
    });
    expect(run.end).toEqual({ kind: 'exit', value: 3 });
    expect(run.exit).toBe(3);
    expect(run.output).toEqual(['hello tests']);
    expect(run.lines).toContain('[init -> greeter] hello tests');
  });

  it('stops a component that runs forever after so many lines, or at a virtual time', async () => {
    const byLines = await runComponent({ binary: './ticker.mjs', directory, kernel, until: { lines: 3 } });
    expect(byLines.end).toEqual({ kind: 'lines' });
    expect(byLines.exit).toBeNull();
    expect(byLines.output).toEqual(['tick 1', 'tick 2', 'tick 3']);
    expect(byLines.virtualUs).toBe(3_000_000);
    const byTime = await runComponent({ binary: './ticker.mjs', directory, kernel, until: { virtualMs: 4500 } });
    expect(byTime.end).toEqual({ kind: 'time' });
    expect(byTime.output).toEqual(['tick 1', 'tick 2', 'tick 3', 'tick 4']);
    expect(byTime.virtualUs).toBe(4_500_000);
  });

  it('boots a module object in the test realm', async () => {
    const construct = async (env: Env): Promise<void> => {
      const timer = await Timer.Connection.open(env);
      await timer.msleep(250);
      await env.log(`slept until ${await timer.elapsedMs()} ms`);
      await env.parent.exit(0);
    };
    const run = await runComponent({ binary: { construct }, name: 'sleeper', kernel });
    expect(run.output).toEqual(['slept until 250 ms']);
    expect(run.exit).toBe(0);
  });

  it('runs a plain Node program under the libc shim', async () => {
    const config =
      '<config><libc stdout="/dev/log"/><vfs><dir name="dev"><log/></dir><rom name="data.txt"/></vfs><arg ' +
      'value="program"/><arg value="--fast"/></config>';
    const run = await runComponent({ binary: './program.mjs', directory, kernel, config });
    expect(run.output).toEqual(['from a ROM --fast']);
    expect(run.exit).toBe(7);
    expect(run.virtualUs).toBe(5_000_000);
  });

  it('gives a package its declared quota when none is given, and refuses less before boot', async () => {
    const run = await runComponent({ binary: '@acme/greedy', directory, kernel });
    const stated = await runComponent({ binary: '@acme/greedy', directory, kernel, ram: '3M', caps: 120 });
    const more = await runComponent({ binary: '@acme/greedy', directory, kernel, ram: '4M', caps: 130 });
    expect(run.output).toEqual(stated.output);
    expect(run.output[0]).toMatch(new RegExp(`^quota ${3 * 1024 * 1024} `));
    expect(more.output).not.toEqual(run.output);
    await expect(runComponent({ binary: '@acme/greedy', directory, kernel, ram: '1M' })).rejects.toThrow(
      'package "@acme/greedy" needs at least ram="3M", but the start entry gives 1M',
    );
    await expect(runComponent({ binary: '@acme/greedy', directory, kernel, caps: 50 })).rejects.toThrow(
      'package "@acme/greedy" needs at least caps="120", but the start entry gives 50',
    );
  });

  it('reports a stall with who waits on what', async () => {
    const construct = async (env: Env): Promise<void> => {
      await env.log('constructed, and then nothing');
    };
    const run = await runComponent({ binary: { construct }, name: 'lonely', kernel });
    expect(run.end.kind).toBe('stalled');
    expect(run.exit).toBeNull();
    expect(run.output).toEqual(['constructed, and then nothing']);
  });

  it('refuses bad options before boot, naming the option', async () => {
    await expect(runComponent({ binary: './greeter.mjs', directory, kernel: 'l4' as 'hw' })).rejects.toThrow(
      TestSystemError,
    );
    await expect(runComponent({ binary: './greeter.mjs', directory, kernel: 'l4' as 'hw' })).rejects.toThrow(
      'kernel "l4" is not one of hw, nova, sel4',
    );
    await expect(runComponent({ binary: './greeter.mjs', directory, kernel, until: { lines: 0 } })).rejects.toThrow(
      'until.lines must be a positive number, got 0',
    );
    await expect(runComponent({ binary: { construct: async () => undefined }, name: 'a b', kernel })).rejects.toThrow(
      'name "a b" is not a start entry name',
    );
    await expect(runComponent({ binary: './nope.mjs', directory, kernel })).rejects.toThrow(
      /config:\d+: <start name="nope">: .*nope\.mjs/,
    );
    await expect(
      runComponent({ binary: './greeter.mjs', directory, kernel, config: '<config who="x">' }),
    ).rejects.toThrow(/^option config:1: /);
    await expect(runComponent({ binary: './greeter.mjs', directory, kernel, config: '<libc/>' })).rejects.toThrow(
      'option config must be a <config> element, got <libc>',
    );
    await expect(
      runComponent({ binary: './greeter.mjs', directory, kernel, servers: '<start name="a"/><route/>' }),
    ).rejects.toThrow('option servers must hold <start> elements only, got <route>');
    await expect(runComponent({ binary: './greeter.mjs', directory, kernel, caps: -1 })).rejects.toThrow(
      'option caps must be a non-negative integer, got -1',
    );
    await expect(runComponent({ binary: './greeter.mjs', directory, kernel, ram: '2 MB' })).rejects.toThrow(
      /config:6: <start>: attribute ram="2 MB"/,
    );
  });
});

describe('componentSystemConfig', () => {
  it('names the component after its file or package, and escapes what it writes into attributes', () => {
    const config = componentSystemConfig({ binary: './dir/my-app.mjs', ram: '2M', caps: 10, config: '<config/>' });
    expect(config).toContain(
      '<start name="my-app" ram="2M" caps="10">\n    <binary name="./dir/my-app.mjs"/>\n    <exit ' +
        'propagate="yes"/>\n    <config/>\n  </start>',
    );
    expect(componentSystemConfig({ binary: '@acme/blinker', unconfined: true })).toContain(
      '<start name="blinker">\n    <binary name="@acme/blinker" confined="no"/>',
    );
    expect(componentSystemConfig({ binary: './a&"<b.mjs', name: 'ab' })).toContain(
      '<binary name="./a&amp;&quot;&lt;b.mjs"/>',
    );
  });
});

describe('runSystem', () => {
  it('boots an init config with ROMs given in the test', async () => {
    const config = `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="hi"> <binary name="./greeter.mjs"/> <exit propagate="yes"/> <config who="rom"/> </start>
</config>`;
    const run = await runSystem({ config, directory, kernel, roms: { 'extra.txt': 'x' } });
    expect(run.lines).toEqual(['[init -> hi] hello rom']);
    expect(run.exit).toBe(0);
  });
});
