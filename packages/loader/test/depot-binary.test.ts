import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { boot } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { BinaryLoader, BinaryNotFound, hardenRealm } from '../src/index.js';
import { isDepotBinaryName } from '../src/binary-location.js';

let depot: string;
let outside: string;

/** Writes a component package folder at `folder` whose construct logs `text` and exits 0. */
function componentFolder(folder: string, text: string, wire = 1): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({ name: 'hello', type: 'module', exports: { '.': './hello.mjs' }, osComponent: { wire } }),
  );
  writeFileSync(
    join(folder, 'hello.mjs'),
    `export async function construct(env) { await env.log(${JSON.stringify(text)}); await env.parent.exit(0); }\n`,
  );
}

beforeAll(async () => {
  await hardenRealm();
  depot = realpathSync(mkdtempSync(join(tmpdir(), 'os-depot-binary-')));
  outside = realpathSync(mkdtempSync(join(tmpdir(), 'os-depot-outside-')));
  componentFolder(join(depot, 'acme/bin/js/hello/1.0'), 'hello from the depot');
  componentFolder(join(depot, 'acme/bin/js/old/1.0'), 'never', 999);
  componentFolder(join(outside, 'evil'), 'escaped');
  mkdirSync(join(depot, 'acme/bin/js/evil'), { recursive: true });
  symlinkSync(join(outside, 'evil'), join(depot, 'acme/bin/js/evil/1.0'));
});

const config = (binary: string) => `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <start name="hello" caps="100" ram="1M"> <binary name="${binary}"/> <exit propagate="yes"/> </start>
</config>`;

describe('a binary named by its depot archive path', () => {
  it('is recognised only in the form <user>/bin/js/<name>/<version>', () => {
    expect(
      ['acme/bin/js/hello/1.0', 'acme/bin/js/../1.0', 'acme/pkg/hello/1.0', 'acme/bin/x86_64/hello/1.0', 'hello'].map(
        isDepotBinaryName,
      ),
    ).toEqual([true, false, false, false, false]);
  });

  it('loads the component package extracted in the local depot, confined', async () => {
    const loader = new BinaryLoader({ directory: outside, builtins: { init }, depot });
    const roms = new Map([['config', new TextEncoder().encode(config('acme/bin/js/hello/1.0'))]]);
    const system = await boot(
      { init: 'init', binaries: loader.resolve, roms },
      { kernel: kernelUnderTest().factory, clock: new VirtualClock(1) },
    );
    expect(await system.exit).toBe(0);
    expect(system.lines).toEqual(['[init -> hello] hello from the depot']);
  });

  it('gives every start of the binary one component module, whose construct makes each component its own', async () => {
    const loader = new BinaryLoader({ directory: outside, builtins: { init }, depot });
    const first = await loader.resolve('acme/bin/js/hello/1.0');
    expect(await loader.resolve('acme/bin/js/hello/1.0')).toBe(first);
  });

  it('loads from a depot made after the loader, once it exists', () => {
    const later = join(outside, 'later-depot');
    const loader = new BinaryLoader({ directory: outside, builtins: { init }, depot: later });
    expect(() => loader.locate('acme/bin/js/hello/1.0')).toThrow(`the depot ${later} holds no archive`);
    componentFolder(join(later, 'acme/bin/js/hello/1.0'), 'hello from a later depot');
    expect(loader.locate('acme/bin/js/hello/1.0')).toMatchObject({
      kind: 'module',
      location: { file: join(later, 'acme/bin/js/hello/1.0/hello.mjs') },
    });
  });

  it('is refused when missing, leading out of the depot, of another wire version, or without a depot', () => {
    const loader = new BinaryLoader({ directory: outside, builtins: { init }, depot });
    expect(() => loader.locate('acme/bin/js/missing/1.0')).toThrow(
      `binary "acme/bin/js/missing/1.0": the depot ${depot} holds no archive acme/bin/js/missing/1.0 (no ` +
        `${join(depot, 'acme/bin/js/missing/1.0/package.json')}); deploy downloads it before it starts a component ` +
        'of it',
    );
    expect(() => loader.locate('acme/bin/js/evil/1.0')).toThrow(
      `binary "acme/bin/js/evil/1.0": ${join(depot, 'acme/bin/js/evil/1.0')} leads out of the depot ${depot} (to ` +
        `${join(outside, 'evil')})`,
    );
    expect(() => loader.locate('acme/bin/js/old/1.0')).toThrow(/was built for RPC wire version 999/);
    expect(() => new BinaryLoader({ directory: outside }).locate('acme/bin/js/hello/1.0')).toThrow(BinaryNotFound);
    expect(() => new BinaryLoader({ directory: outside }).locate('acme/bin/js/hello/1.0')).toThrow(
      'binary "acme/bin/js/hello/1.0" names a depot archive, but this system has no local depot to load it from',
    );
  });
});
