// A package's code is what lies in its folder: its entry (the package.json "exports" target, "main", or the default
// index.js), its relative imports and, for a depot archive, the packages it imports by name. A published package
// whose package.json, a symlink or an import leads out of its folder is refused before anything outside is read as
// its module, and whether the target exists changes nothing in the refusal.

import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { boot } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { BinaryLoader, BinaryNotFound, hardenRealm, locateBinary, resolvePackageImport } from '../src/index.js';

let base: string;
let depot: string;
/** A module of the host, outside every package: a component would run it if it could reach it. */
let hostModule: string;

const COMPONENT = (text: string): string =>
  `export async function construct(env) { await env.log(${JSON.stringify(text)}); await env.parent.exit(0); }\n`;

/** Writes `files` under `folder` (a file whose text starts with `->` is a symlink to the rest). */
function writeFolder(folder: string, files: Readonly<Record<string, string>>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    if (text.startsWith('->')) symlinkSync(text.slice(2), join(folder, path));
    else writeFileSync(join(folder, path), text);
  }
}

/** The folder of depot archive `acme/bin/js/<name>/1`. */
const archiveFolder = (name: string): string => join(depot, 'acme/bin/js', name, '1');

/** A published-style component package in the depot: package.json with `fields`, and `files`. */
function archive(name: string, fields: Record<string, unknown>, files: Readonly<Record<string, string>> = {}): void {
  const manifest = { name: `@acme/${name}`, version: '1.0.0', type: 'module', osComponent: { wire: 1 }, ...fields };
  writeFolder(archiveFolder(name), { 'package.json': JSON.stringify(manifest), ...files });
}

/** The way from depot archive `name`'s folder (or a folder under it) to the host module. */
const climb = (name: string, under = ''): string => relative(join(archiveFolder(name), under), hostModule);

beforeAll(async () => {
  await hardenRealm();
  base = realpathSync(mkdtempSync(join(tmpdir(), 'os-package-folder-')));
  depot = join(base, 'depot');
  hostModule = join(base, 'host/x.mjs');
  writeFolder(join(base, 'host'), {
    'package.json': JSON.stringify({ name: 'host', type: 'module' }),
    'x.mjs': `import './sibling.mjs';\n${COMPONENT('the host module ran')}`,
    'sibling.mjs': 'export const sibling = 1;\n',
  });
  // the entry leaves the folder: by "..", by an absolute path, to a file that does not exist, through symlinks
  archive('up', { exports: { '.': `./${climb('up')}` } });
  archive('bare-up', { exports: climb('bare-up') });
  archive('absolute', { exports: { '.': { import: hostModule } } });
  archive('up-missing', { exports: `./${climb('up-missing').replace('x.mjs', 'missing.mjs')}` });
  archive('main-up', { main: climb('main-up') });
  archive('main-absolute', { main: hostModule });
  archive('link', { exports: './entry.mjs' }, { 'entry.mjs': `->${hostModule}` });
  archive('dir-link', { exports: './dist/x.mjs' }, { dist: `->${join(base, 'host')}` });
  archive('index-link', {}, { 'index.js': `->${hostModule}` });
  writeFolder(archiveFolder('manifest-link'), { 'package.json': `->${join(base, 'host/package.json')}` });
  // entries that stay inside, also through a symlink inside
  archive('good', { exports: { '.': { import: './dist/main.mjs' } } }, { 'dist/main.mjs': COMPONENT('good') });
  archive('main-plain', { main: 'main.mjs' }, { 'main.mjs': COMPONENT('main-plain') });
  archive(
    'inner-link',
    { exports: './entry.mjs' },
    { 'entry.mjs': '->dist/main.mjs', 'dist/main.mjs': COMPONENT('in') },
  );
  archive('dot-dot-inside', { exports: './dist/../main.mjs' }, { 'main.mjs': COMPONENT('dot-dot-inside') });
  archive('index', {}, { 'index.js': COMPONENT('index') });
  // an entry inside that re-exports a module outside
  archive('reexport', { exports: './main.mjs' }, { 'main.mjs': `export * from '${climb('reexport')}';\n` });
  archive(
    'reexport-missing',
    { exports: './main.mjs' },
    {
      'main.mjs': `export * from '${climb('reexport-missing').replace('x.mjs', 'missing.mjs')}';\n`,
    },
  );
});

/** A loader of the depot, loading from a directory outside it. */
const depotLoader = (): BinaryLoader => new BinaryLoader({ directory: base, builtins: { init }, depot });

/** Boots depot binary `binary` as the one child of init; its exit and LOG lines. */
async function bootArchive(binary: string): Promise<{ readonly exit: number | Error; readonly lines: string[] }> {
  const config = `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <start name="app" caps="100" ram="1M"> <binary name="${binary}"/> <exit propagate="yes"/> </start>
</config>`;
  const system = await boot(
    { init: 'init', binaries: depotLoader().resolve, roms: new Map([['config', new TextEncoder().encode(config)]]) },
    { kernel: kernelUnderTest().factory, clock: new VirtualClock(1) },
  );
  const exit = await system.exit.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  return { exit, lines: [...system.lines] };
}

describe("a depot package's entry", () => {
  it('is refused when its package.json "exports" target, "main" or default entry leaves its folder', () => {
    const refused = (name: string, what: string, how = '') => {
      const binary = `acme/bin/js/${name}/1`;
      expect(() => depotLoader().locate(binary)).toThrow(BinaryNotFound);
      expect(() => depotLoader().locate(binary)).toThrow(
        `binary "${binary}": ${what} leaves the package's folder ${archiveFolder(name)}${how}`,
      );
    };
    refused('up', `package.json "exports" target "./${climb('up')}"`);
    refused('bare-up', `package.json "exports" target "${climb('bare-up')}"`);
    refused('absolute', `package.json "exports" target "${hostModule}"`);
    refused('main-up', `package.json "main" target "${climb('main-up')}"`);
    refused('main-absolute', `package.json "main" target "${hostModule}"`);
    refused('link', 'package.json "exports" target "./entry.mjs"', ' through a symbolic link');
    refused('dir-link', 'package.json "exports" target "./dist/x.mjs"', ' through a symbolic link');
    refused(
      'index-link',
      'its default entry "index.js" (package.json has no "exports" or "main")',
      ' through a symbolic link',
    );
    expect(() => depotLoader().locate('acme/bin/js/manifest-link/1')).toThrow(
      `${join(archiveFolder('manifest-link'), 'package.json')} leaves the package's folder ` +
        `${archiveFolder('manifest-link')} through a symbolic link`,
    );
  });

  it('that leaves its folder for a file that does not exist gets the same refusal: nothing outside is read', () => {
    const target = `./${climb('up-missing').replace('x.mjs', 'missing.mjs')}`;
    expect(() => depotLoader().locate('acme/bin/js/up-missing/1')).toThrow(
      `binary "acme/bin/js/up-missing/1": package.json "exports" target "${target}" leaves the package's folder ` +
        archiveFolder('up-missing'),
    );
  });

  it('that leaves its folder never runs: the system reports the refusal, and the host module stays unrun', async () => {
    const { exit, lines } = await bootArchive('acme/bin/js/up/1');
    const logged = lines.map((line) => line.replace(/^\[init\] /, '')).join('');
    expect(logged).not.toContain('the host module ran');
    expect(logged).toContain(
      `StartFailed: cannot start "app": binary "acme/bin/js/up/1": package.json "exports" target "./${climb('up')}" ` +
        `leaves the package's folder ${archiveFolder('up')}`,
    );
    expect(exit).not.toBe(0);
  });

  it('that re-exports a module outside is checked without reading it, and refused when it runs', async () => {
    // the check reads nothing outside: whether the file there exists, or exports construct, changes nothing
    for (const name of ['reexport', 'reexport-missing'])
      expect(depotLoader().check(`acme/bin/js/${name}/1`)).toMatchObject({ kind: 'module' });
    const { exit, lines } = await bootArchive('acme/bin/js/reexport/1');
    const logged = lines.map((line) => line.replace(/^\[init -> app\] /, '')).join('');
    expect(logged).toContain(
      `Error: app: construct failed: ConfinementError: "app" imports "${climb('reexport')}": a confined component ` +
        'imports only',
    );
    expect(logged).not.toContain('the host module ran');
    expect(exit).toBe(1);
  });

  it('loads when it stays inside: an exports map, a plain "main", a symlink inside, a ".." within, index.js', () => {
    const entry = (name: string) => {
      const located = depotLoader().locate(`acme/bin/js/${name}/1`);
      return located.kind === 'module' ? relative(archiveFolder(name), located.location.file) : undefined;
    };
    expect(['good', 'main-plain', 'inner-link', 'dot-dot-inside', 'index'].map(entry)).toEqual([
      'dist/main.mjs',
      'main.mjs',
      'dist/main.mjs',
      'main.mjs',
      'index.js',
    ]);
  });

  it('that stays inside runs, through a symlink inside too', async () => {
    for (const [name, text] of [
      ['good', 'good'],
      ['inner-link', 'in'],
    ]) {
      const { exit, lines } = await bootArchive(`acme/bin/js/${name}/1`);
      expect(lines).toEqual([`[init -> app] ${text}`]);
      expect(exit).toBe(0);
    }
  });
});

describe('a package named by Node resolution', () => {
  let system: string;

  beforeAll(() => {
    system = join(base, 'system');
    writeFolder(join(system, 'node_modules/@acme'), {
      'pattern/package.json': JSON.stringify({ name: '@acme/pattern', type: 'module', exports: { './*': './*.mjs' } }),
      'pattern/inside.mjs': COMPONENT('pattern'),
      'legacy/package.json': JSON.stringify({ name: '@acme/legacy', type: 'module' }),
      'legacy/inside.mjs': COMPONENT('legacy'),
      'escapes/package.json': JSON.stringify({ name: '@acme/escapes', type: 'module', exports: '../../../host/x.mjs' }),
    });
  });

  it('is refused when a subpath climbs out through a pattern export or a package without "exports"', () => {
    const out = relative(join(system, 'node_modules/@acme/pattern'), join(base, 'host/x'));
    expect(() => locateBinary(`@acme/pattern/${out}`, system)).toThrow(
      `binary "@acme/pattern/${out}": package.json "exports" target "./${out}.mjs" leaves the package's folder ` +
        join(system, 'node_modules/@acme/pattern'),
    );
    expect(() => locateBinary(`@acme/legacy/${out}`, system)).toThrow(
      `binary "@acme/legacy/${out}": the subpath "./${out}" (package.json has no "exports") leaves the package's ` +
        `folder ${join(system, 'node_modules/@acme/legacy')}`,
    );
    expect(() => resolvePackageImport('@acme/escapes', system)).toThrow(
      `import "@acme/escapes": package.json "exports" target "../../../host/x.mjs" leaves the package's folder ` +
        join(system, 'node_modules/@acme/escapes'),
    );
    expect(locateBinary('@acme/pattern/inside', system).file).toBe(
      join(system, 'node_modules/@acme/pattern/inside.mjs'),
    );
    expect(locateBinary('@acme/legacy/inside', system).file).toBe(join(system, 'node_modules/@acme/legacy/inside.mjs'));
  });
});

describe("a depot package's imports", () => {
  /** The package's entry: tries each import, and logs each outcome after a `#` (LOG splits long lines). */
  const importer = (specifiers: readonly string[]): string =>
    `export async function construct(env) {
  for (const specifier of ${JSON.stringify(specifiers)}) {
    try {
      const namespace = await import(specifier);
      await env.log('#' + specifier + ': loaded ' + String(namespace.value ?? Object.keys(namespace)));
    } catch (error) {
      await env.log('#' + specifier + ': ' + error.name + ': ' + error.message);
    }
  }
  await env.parent.exit(0);
}
`;
  /** The way from the folder of dependency `name` in the archive to the host module, without `.mjs` when `bare`. */
  const climbFrom = (name: string, bare = false): string => {
    const way = climb('imports', `node_modules/${name}`);
    return bare ? way.replace(/\.mjs$/, '') : way;
  };

  beforeAll(() => {
    archive(
      'imports',
      {
        exports: './main.mjs',
        dependencies: { evil: '1', helper: '1', legacy: '1', hoisted: '1', linked: '1', bundled: '1' },
      },
      {
        'main.mjs': importer([
          'evil',
          `helper/${climbFrom('helper', true)}`,
          `legacy/${climbFrom('legacy')}`,
          'hoisted',
          'linked',
          `./${climb('imports')}`,
          './link.mjs',
          'bundled',
          'helper/inside',
          './own.mjs',
        ]),
        'own.mjs': 'export const value = "own";\n',
        'link.mjs': `->${hostModule}`,
        'node_modules/evil/package.json': JSON.stringify({ name: 'evil', type: 'module', exports: climbFrom('evil') }),
        'node_modules/helper/package.json': JSON.stringify({
          name: 'helper',
          type: 'module',
          exports: { './*': './*.mjs' },
        }),
        'node_modules/helper/inside.mjs': 'export const value = "helper inside";\n',
        'node_modules/legacy/package.json': JSON.stringify({ name: 'legacy', type: 'module' }),
        'node_modules/bundled/package.json': JSON.stringify({ name: 'bundled', type: 'module', main: 'index.mjs' }),
        'node_modules/bundled/index.mjs': 'export const value = "bundled";\n',
        'node_modules/linked': `->${join(base, 'host')}`,
      },
    );
    // installed in the depot's folders above the archive, not in the archive: the host's, not the package's
    writeFolder(join(depot, 'node_modules/hoisted'), {
      'package.json': JSON.stringify({ name: 'hoisted', type: 'module', main: 'index.mjs' }),
      'index.mjs': 'export const value = "hoisted from the host";\n',
    });
  });

  it(
    "are refused when they leave its folder: a dependency's entry or a subpath climbing out, a package above the " +
      'archive or linked from outside, a relative path or symlink out; what it brings itself loads',
    async () => {
      const { exit, lines } = await bootArchive('acme/bin/js/imports/1');
      const prefix = '[init -> app] ';
      const logged = lines.map((line) => (line.startsWith(prefix) ? line.slice(prefix.length) : `?${line}`)).join('');
      const refusal = (specifier: string) =>
        `${specifier}: ConfinementError: "app" imports ${JSON.stringify(specifier)}: a confined component imports ` +
        'only the @os packages its system grants, its own modules by relative path inside its package, and the ' +
        'packages its package.json declares';
      expect(logged.split('#').slice(1)).toEqual([
        `evil: ConfinementError: "app" imports "evil": package "evil": package.json "exports" target ` +
          `"${climbFrom('evil')}" leaves the package's folder`,
        `helper/${climbFrom('helper', true)}: ConfinementError: "app" imports "helper/${climbFrom('helper', true)}": ` +
          `package "helper": package.json "exports" target "./${climbFrom('helper')}" leaves the package's folder`,
        `legacy/${climbFrom('legacy')}: ConfinementError: "app" imports "legacy/${climbFrom('legacy')}": package ` +
          `"legacy": the subpath "./${climbFrom('legacy')}" (package.json has no "exports") ` +
          "leaves the package's folder",
        'hoisted: ConfinementError: "app" imports "hoisted": its package declares "hoisted" as a dependency, but it ' +
          'is not installed with it (or does not export that path)',
        'linked: ConfinementError: "app" imports "linked": its package declares "linked" as a dependency, but it ' +
          'is not installed with it (or does not export that path)',
        refusal(`./${climb('imports')}`),
        refusal('./link.mjs'),
        'bundled: loaded bundled',
        'helper/inside: loaded helper inside',
        './own.mjs: loaded own',
      ]);
      expect(exit).toBe(0);
    },
  );
});
