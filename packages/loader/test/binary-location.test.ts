import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BinaryLoader,
  BinaryNotFound,
  ManifestError,
  NotAComponent,
  WireVersionMismatch,
  locateBinary,
} from '../src/index.js';
import { findPackageDirectory } from '../src/binary-location.js';

let root: string;

function write(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

const component = 'export function construct(env) { return env.log("hi"); }\n';
const manifest = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name, version: '1.0.0', type: 'module', osComponent: { wire: 1 }, ...extra });

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'os-loader-')));
  write('system/app.mjs', component);
  write('system/lib/helper.js', component);
  write('system/package.json', JSON.stringify({ type: 'module' }));
  write(
    'node_modules/@acme/blinker/package.json',
    manifest('@acme/blinker', { exports: { '.': { import: './dist/index.js' }, './extra': './dist/extra.js' } }),
  );
  write('node_modules/@acme/blinker/dist/index.js', component);
  write('node_modules/@acme/blinker/dist/extra.js', 'export const x = 1;\n');
  write('node_modules/plain/package.json', JSON.stringify({ name: 'plain', type: 'module', main: 'main.js' }));
  write('node_modules/plain/main.js', component);
  write(
    'node_modules/@acme/old/package.json',
    JSON.stringify({ name: '@acme/old', type: 'module', osComponent: { wire: 0 } }),
  );
  write('node_modules/@acme/old/index.js', component);
  write('node_modules/@acme/bundles-rpc/package.json', manifest('@acme/bundles-rpc'));
  write('node_modules/@acme/bundles-rpc/index.js', component);
  write(
    'node_modules/@acme/bundles-rpc/node_modules/@os/rpc/package.json',
    JSON.stringify({ name: '@os/rpc', osWire: 2 }),
  );
  write('node_modules/@acme/noexport/package.json', manifest('@acme/noexport'));
  write('node_modules/@acme/noexport/index.js', 'export const hello = 1;\n');
  write('node_modules/@acme/cjs/package.json', JSON.stringify({ name: '@acme/cjs', osComponent: { wire: 1 } }));
  write('node_modules/@acme/cjs/index.js', 'exports.construct = () => {};\n');
  write('own/package.json', manifest('@acme/own', { exports: './main.js' }));
  write('own/main.js', component);
  write('own/test/.keep', '');
  write('own-no-exports/package.json', manifest('@acme/own-no-exports', { main: 'main.js' }));
  write('own-no-exports/main.js', component);
  mkdirSync(join(root, 'system/node_modules'), { recursive: true });
  symlinkSync(join(root, 'node_modules/@acme'), join(root, 'system/node_modules/@acme'));
});

describe('locateBinary', () => {
  it('finds module files by path, with or without extension', () => {
    const directory = join(root, 'system');
    expect(locateBinary('./app.mjs', directory).file).toBe(join(directory, 'app.mjs'));
    expect(locateBinary('app', directory).file).toBe(join(directory, 'app.mjs'));
    expect(locateBinary('./lib/helper', directory).file).toBe(join(directory, 'lib/helper.js'));
  });

  it('finds packages by Node resolution through their exports map, symlinks resolved', () => {
    const directory = join(root, 'system');
    const found = locateBinary('@acme/blinker', directory);
    expect(found.file).toBe(join(root, 'node_modules/@acme/blinker/dist/index.js'));
    expect(found.packageDirectory).toBe(join(root, 'node_modules/@acme/blinker'));
    expect(locateBinary('@acme/blinker/extra', directory).file).toBe(
      join(root, 'node_modules/@acme/blinker/dist/extra.js'),
    );
    expect(locateBinary('plain', directory).file).toBe(join(root, 'node_modules/plain/main.js'));
  });

  it("finds the enclosing package by its own name, as Node's self-reference does (only through an exports map)", () => {
    const own = locateBinary('@acme/own', join(root, 'own/test'));
    expect(own.file).toBe(join(root, 'own/main.js'));
    expect(own.packageDirectory).toBe(join(root, 'own'));
    expect(() => locateBinary('@acme/own-no-exports', join(root, 'own-no-exports'))).toThrow(
      /no package "@acme\/own-no-exports" is installed there/,
    );
  });

  it('names what is missing', () => {
    const directory = join(root, 'system');
    expect(() => locateBinary('./missing.mjs', directory)).toThrow(BinaryNotFound);
    expect(() => locateBinary('./missing.mjs', directory)).toThrow(
      `binary "./missing.mjs": there is no module file ${join(directory, 'missing.mjs')}`,
    );
    expect(() => locateBinary('@acme/nothing', directory)).toThrow(`no package "@acme/nothing" is installed there`);
    expect(() => locateBinary('@acme/blinker/secret', directory)).toThrow(/does not export "\.\/secret"/);
  });
});

describe('findPackageDirectory', () => {
  it('with the walks before it, answers from the first directory they passed, as they did', () => {
    const at = realpathSync(mkdtempSync(join(tmpdir(), 'os-loader-walk-')));
    const install = (path: string) => {
      mkdirSync(join(at, path), { recursive: true });
      writeFileSync(join(at, path, 'package.json'), JSON.stringify({ name: '@os/rpc' }));
    };
    install('depot/own/node_modules/@os/rpc');
    mkdirSync(join(at, 'depot/a'), { recursive: true });
    mkdirSync(join(at, 'depot/b'), { recursive: true });
    const known = new Map<string, string | undefined>();
    const above = findPackageDirectory(join(at, 'depot/a'), '@os/rpc', known);
    expect(known.get(join(at, 'depot'))).toBe(above);
    expect(findPackageDirectory(join(at, 'depot/own'), '@os/rpc', known)).toBe(
      join(at, 'depot/own/node_modules/@os/rpc'),
    );
    // a copy installed above later is seen by a walk of its own, not by one that stops where the first went
    install('depot/node_modules/@os/rpc');
    expect(findPackageDirectory(join(at, 'depot/b'), '@os/rpc', known)).toBe(above);
    expect(findPackageDirectory(join(at, 'depot/b'), '@os/rpc')).toBe(join(at, 'depot/node_modules/@os/rpc'));
  });
});

describe('BinaryLoader.check', () => {
  const loader = () => new BinaryLoader({ directory: join(root, 'system') });

  it('accepts a component package and a module file exporting construct', () => {
    const located = loader().check('@acme/blinker');
    expect(located.kind === 'module' && located.manifest).toEqual({
      wire: 1,
      type: 'native',
      requires: [],
      provides: [],
    });
    expect(loader().check('./app.mjs').kind).toBe('module');
  });

  it('refuses a package without a manifest, naming the package', () => {
    expect(() => loader().check('plain')).toThrow(ManifestError);
    expect(() => loader().check('plain')).toThrow(/package "plain" is not a component package/);
  });

  it('refuses a package built for another wire version, naming both versions', () => {
    expect(() => loader().check('@acme/old')).toThrow(WireVersionMismatch);
    expect(() => loader().check('@acme/old')).toThrow(
      /was built for RPC wire version 0, but this system's @os\/rpc speaks wire version 1/,
    );
    expect(() => loader().check('@acme/bundles-rpc')).toThrow(
      /brings its own @os\/rpc .* speaking wire version 2, but this system speaks wire version 1/,
    );
  });

  it('refuses a module that does not export construct, unless its config makes it a libc program', async () => {
    expect(() => loader().check('@acme/noexport')).toThrow(NotAComponent);
    expect(() => loader().check('@acme/noexport')).toThrow(
      /does not look like a component: its module does not export construct\(env\)/,
    );
    const { XmlNode } = await import('@os/runtime');
    expect(loader().check('@acme/noexport', XmlNode.parse('<config><libc/></config>')).kind).toBe('module');
  });

  it('refuses CommonJS', () => {
    expect(() => loader().check('@acme/cjs')).toThrow(/is CommonJS .* confined components load ES modules only/);
  });

  it(
    'a name that is neither built in, a file nor installed suggests the close built-in or module file, never npm ' +
      'install',
    () => {
      const builtins = { dummy: { construct() {} }, timer: { construct() {} } };
      const withBuiltins = new BinaryLoader({ directory: join(root, 'system'), builtins });
      expect(() => withBuiltins.locate('dumy')).toThrow(
        /; nor is it built in \(dummy, timer\); did you mean "dummy"\?$/,
      );
      expect(() => withBuiltins.locate('frobnicator')).toThrow(/; nor is it built in \(dummy, timer\)$/);
      expect(() => withBuiltins.locate('dumy')).not.toThrow(/npm install/);
    },
  );
});
