// Family 10: a published depot package. A third party publishes a component package; the gateway extracts it into its
// local depot and loads it, confined, as `<user>/bin/js/<name>/<version>`. Its package.json and the packages it
// brings are the publisher's to write: an entry ("exports" target, "main") that climbs out of the archive's folder or
// is absolute, a symlink that leads out, a dependency whose entry climbs out, a subpath import that climbs out through
// a dependency's pattern export or a dependency without "exports", a package installed above the archive (the host's).
// None of it may make the loader read a host module as the component's: each is a typed refusal naming the package,
// the field and the target (the same words whether the host file exists), the host module never runs, and a confined
// bystander in the same system ticks to its end.

import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { BinaryLoader, BinaryNotFound, ConfinementError, hardenRealm } from '@os/loader';
import { boot } from '@os/runtime/host';
import { timerDriver } from '@os/timer';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL } from './support/kernel-world.js';

let base = '';
let depot = '';
/** A host module outside every package: it logs when it runs, and holds a secret. */
let hostModule = '';

const HOST_MODULE = `import { sibling } from './sibling.mjs';
export const secret = 'host secret ' + sibling;
export async function construct(env) { await env.log('the host module ran'); }
`;

/** A bystander that ticks ten times on its own Timer session, then exits 0 (which ends the run). */
const TICKER = `import { Timer } from '@os/timer';
export async function construct(env) {
  const timer = await Timer.Connection.open(env);
  for (let tick = 1; tick <= 10; tick++) {
    await timer.msleep(10);
    await env.log('tick ' + tick);
  }
  await env.parent.exit(0);
}
`;

/** Writes `files` under `folder` (a text starting with `->` is a symlink to the rest). */
function writeFolder(folder: string, files: Readonly<Record<string, string>>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    if (text.startsWith('->')) symlinkSync(text.slice(2), join(folder, path));
    else writeFileSync(join(folder, path), text);
  }
}

const folderOf = (name: string): string => join(depot, 'mallory/bin/js', name, '1');

/** The way from archive `name`'s folder (or a folder under it) to `file` of the host (default the host module). */
const climb = (name: string, under = '', file = hostModule): string => relative(join(folderOf(name), under), file);

/** A published component package `mallory/bin/js/<name>/1`, with package.json `fields` and `files`. */
function publish(name: string, fields: Record<string, unknown>, files: Readonly<Record<string, string>> = {}): void {
  const manifest = { name: `@mallory/${name}`, version: '1.0.0', type: 'module', osComponent: { wire: 1 }, ...fields };
  writeFolder(folderOf(name), { 'package.json': JSON.stringify(manifest), ...files });
}

/** The importer: every import that would read a host module through its package, each outcome logged. */
function importer(): string {
  const ghost = climb('importer', 'node_modules/ghost', join(base, 'host/missing.mjs'));
  const evil = climb('importer', 'node_modules/evil');
  const pattern = JSON.stringify(`helper/${climb('importer', 'node_modules/helper').replace(/\.mjs$/, '')}`);
  const legacy = JSON.stringify(`legacy/${climb('importer', 'node_modules/legacy')}`);
  // the refusals of a dependency whose target exists and of one whose target does not, each name put in its place
  const sameWords =
    `evil.replaceAll('evil', 'X').replace(${JSON.stringify(evil)}, 'T') === ` +
    `ghost.replaceAll('ghost', 'X').replace(${JSON.stringify(ghost)}, 'T')`;
  return `const outcomes = [];
async function attempt(name, specifier) {
  try {
    const namespace = await import(specifier);
    outcomes.push(name + ': OPEN ' + String(namespace.secret));
  } catch (error) {
    outcomes.push(name + ': blocked (' + (error?.code ?? error?.name) + ')');
    return error.message;
  }
}
export async function construct(env) {
  const evil = await attempt('a dependency whose exports target climbs out', 'evil');
  const ghost = await attempt('a dependency whose exports target climbs out to no file', 'ghost');
  await attempt('a subpath climbing out through a pattern export', ${pattern});
  await attempt('a subpath climbing out of a package without exports', ${legacy});
  await attempt('a package installed above the archive', 'hoisted');
  await attempt('a relative path climbing out', ${JSON.stringify(`./${climb('importer')}`)});
  await attempt('a symlink in the package that leads out', './link.mjs');
  await env.log('message: ' + evil);
  await env.log('same words whether the host file exists: ' + (${sameWords}));
  for (const line of outcomes) await env.log(line);
  await env.log('its own dependency: ' + (await import('bundled')).value);
}
`;
}

/** The entry attacks: each archive names a host module as its entry. */
const ENTRIES = ['entry-up', 'entry-absolute', 'main-up', 'entry-link'] as const;

beforeAll(async () => {
  await hardenRealm();
  base = realpathSync(mkdtempSync(join(tmpdir(), 'os-attack-depot-')));
  depot = join(base, 'depot');
  hostModule = join(base, 'host/secret.mjs');
  writeFolder(join(base, 'host'), {
    'package.json': JSON.stringify({ name: 'host', type: 'module' }),
    'secret.mjs': HOST_MODULE,
    'sibling.mjs': 'export const sibling = "and its sibling";\n',
  });
  writeFolder(join(base, 'system'), { 'ticker.mjs': TICKER });
  publish('entry-up', { exports: { '.': `./${climb('entry-up')}` } });
  publish('entry-absolute', { exports: { '.': { import: hostModule } } });
  publish('main-up', { main: climb('main-up') });
  publish('entry-link', { exports: './entry.mjs' }, { 'entry.mjs': `->${hostModule}` });
  const dependencies = { evil: '1', ghost: '1', helper: '1', legacy: '1', hoisted: '1', bundled: '1' };
  const dependency = (name: string, fields: Record<string, unknown>) =>
    JSON.stringify({ name, version: '1.0.0', type: 'module', ...fields });
  publish(
    'importer',
    { exports: './main.mjs', dependencies },
    {
      'main.mjs': importer(),
      'link.mjs': `->${hostModule}`,
      'node_modules/evil/package.json': dependency('evil', { exports: climb('importer', 'node_modules/evil') }),
      'node_modules/ghost/package.json': dependency('ghost', {
        exports: climb('importer', 'node_modules/ghost', join(base, 'host/missing.mjs')),
      }),
      'node_modules/helper/package.json': dependency('helper', { exports: { './*': './*.mjs' } }),
      'node_modules/legacy/package.json': dependency('legacy', {}),
      'node_modules/bundled/package.json': dependency('bundled', { main: 'index.mjs' }),
      'node_modules/bundled/index.mjs': 'export const value = "loaded";\n',
    },
  );
  writeFolder(join(depot, 'node_modules/hoisted'), {
    'package.json': dependency('hoisted', { main: 'index.mjs' }),
    'index.mjs': "export const secret = 'host secret of a package the host installed';\n",
  });
});

const loader = (): BinaryLoader =>
  new BinaryLoader({ directory: join(base, 'system'), builtins: { init, timer: timerDriver }, depot });

/**
 * Each entry attacker in an init of its own, beside the importer: the start that cannot load ends that child only (as
 * a fault would), and its init goes on.
 */
function config(): string {
  const nested = (name: string) => `
  <start name="${name}" caps="200" ram="4M"> <binary name="init"/>
    <config>
      <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
      <default-route> <any-service> <parent/> </any-service> </default-route>
      <start name="attacker" caps="50" ram="1M"> <binary name="mallory/bin/js/${name}/1"/> </start>
    </config>
  </start>`;
  return `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="Rtc"/> \
</parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
  <start name="ticker"> <binary name="./ticker.mjs"/> <exit propagate="yes"/> </start>${ENTRIES.map(nested).join('')}
  <start name="importer"> <binary name="mallory/bin/js/importer/1"/> </start>
</config>`;
}

describe(`published depot package attacks on ${KERNEL.name}`, () => {
  let lines: readonly string[] = [];
  let exit: number | Error = -1;

  beforeAll(async () => {
    const system = await boot(
      { init: 'init', binaries: loader().resolve, roms: new Map([['config', new TextEncoder().encode(config())]]) },
      { kernel: KERNEL.factory, clock: new VirtualClock(1) },
    );
    exit = await system.exit.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    lines = [...system.lines];
  });

  /** What `component` logged, its long lines (which LOG splits) joined again. */
  const logged = (component: string): string =>
    lines
      .filter((line) => line.startsWith(`[${component}] `))
      .map((line) => line.slice(component.length + 3))
      .join('');

  /** The host module never ran, and the bystander ticked to its end and its exit ended the run. */
  function expectUnharmed(): void {
    expect(lines.join('\n')).not.toContain('the host module ran');
    expect(lines.join('\n')).not.toContain('host secret');
    expect(lines.filter((line) => line.startsWith('[init -> ticker]'))).toEqual(
      Array.from({ length: 10 }, (_, index) => `[init -> ticker] tick ${index + 1}`),
    );
    expect(exit).toBe(0);
  }

  it(
    'an entry that climbs out of the archive, is absolute, or leads out through a symlink is a BinaryNotFound ' +
      'naming the package, the field and the target; the archive does not start',
    () => {
      const refusals = ENTRIES.map((name) => {
        try {
          loader().locate(`mallory/bin/js/${name}/1`);
          return `${name}: OPEN`;
        } catch (error) {
          return `${name}: ${(error as BinaryNotFound).code}: ${(error as Error).message}`;
        }
      });
      const refused = (name: string, named: string, how = '') =>
        `${name}: ${BinaryNotFound.code}: binary "mallory/bin/js/${name}/1": ${named} leaves the package's folder ` +
        `${folderOf(name)}${how}`;
      expect(refusals).toEqual([
        refused('entry-up', `package.json "exports" target "./${climb('entry-up')}"`),
        refused('entry-absolute', `package.json "exports" target "${hostModule}"`),
        refused('main-up', `package.json "main" target "${climb('main-up')}"`),
        refused('entry-link', 'package.json "exports" target "./entry.mjs"', ' through a symbolic link'),
      ]);
      for (const name of ENTRIES) {
        expect(logged(`init -> ${name}`)).toContain(
          `StartFailed: cannot start "attacker": binary "mallory/bin/js/${name}/1": `,
        );
        expect(lines).toContain(`[init -> ${name}] child "attacker" exited with exit value 1`);
        expect(lines.some((line) => line.startsWith(`[init] child "${name}" exited`))).toBe(false);
      }
      expectUnharmed();
    },
  );

  it(
    "imports that leave the archive's folder through what it brings (a dependency's entry, a subpath through a " +
      'pattern export or a package without exports), a package above it, a relative path or a symlink: one ' +
      'ConfinementError each, the same words whether the host file exists; its own dependency loads',
    () => {
      const importer = logged('init -> importer');
      const blocked = [
        'a dependency whose exports target climbs out',
        'a dependency whose exports target climbs out to no file',
        'a subpath climbing out through a pattern export',
        'a subpath climbing out of a package without exports',
        'a package installed above the archive',
        'a relative path climbing out',
        'a symlink in the package that leads out',
      ];
      const refusals = blocked.map((attempt) => `${attempt}: blocked (${ConfinementError.code})`).join('');
      expect(importer).toContain(`${refusals}its own dependency: loaded`);
      expect(importer).toContain(
        `message: "importer" imports "evil": package "evil": package.json "exports" target ` +
          `"${climb('importer', 'node_modules/evil')}" leaves the package's folder`,
      );
      expect(importer).toContain('same words whether the host file exists: true');
      expect(importer).not.toContain(base);
      expectUnharmed();
    },
  );
});
