// pnpm test:publish: publishes every public package to a throw-away local registry and uses them from there as a user
// would after the first release, with plain npm in empty folders. Steps (each timed on stdout):
//   1. Verdaccio on 127.0.0.1 (registry.mjs): @os/* only from what is published to it, other packages proxied;
//   2. a scratch copy of the workspace (manifests, built files, .changeset), `changeset version` there, then
//      `pnpm publish -r` of packages/* to the registry (pnpm rewrites the workspace: ranges); the repository's own
//      versions are never touched;
//   3. each public package installed alone into an empty folder, its entry points imported and type-checked;
//   4. a TypeScript consumer (strict, Node's default lib, @types/node) type-checked against all of them;
//   5. in a user's empty folder: `npm install @os/cli @os/testing ...`, `os new system` and `os run` of it (the
//      README's example, five ticks), @acme/blinker packed, installed and started by name, and the server guide's
//      example (apps/guide-server) run from the installed packages;
//   6. `os new component`, then `npm install && npm test` and `os run system.xml` inside the made package.
// The registry is stopped and the scratch folder removed at the end, also on failure (OS_PUBLISH_KEEP=1 keeps it).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { startRegistry } from './registry.mjs';
import { entryPoints, exec, inParallel, publicPackages, root, workspacePackages } from './workspace.mjs';

const started = Date.now();
const scratch = mkdtempSync(join(tmpdir(), 'os-publish-'));
const bin = (name) => join(root, 'node_modules/.bin', name);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** The environment of a user's shell: this process's, without what `pnpm run` adds for its scripts. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(npm_|PNPM_|pnpm_config_)/i.test(key) && key !== 'INIT_CWD'),
);

async function step(name, action) {
  const since = Date.now();
  process.stdout.write(`publish-test: ${name} ...\n`);
  const result = await action();
  process.stdout.write(`publish-test: ${name}: done in ${seconds(since)}\n`);
  return result;
}

function check(condition, message) {
  if (!condition) throw new Error(`publish-test: ${message}`);
}

function expectOutput(result, expected, what) {
  check(
    result.stdout === expected && result.code === 0,
    `${what}: expected exit 0 and\n${expected}\ngot exit ${result.code} and\n${result.stdout}\n` +
      `--- stderr\n${result.stderr}`,
  );
}

/** The registry the machine's npm uses: where Verdaccio proxies every package but @os/* and @acme/*. */
async function upstreamRegistry() {
  const { stdout } = await exec('npm', ['config', 'get', 'registry'], { cwd: scratch, env });
  return stdout.trim() || 'https://registry.npmjs.org/';
}

/** A copy of the workspace to version and publish from: what pnpm publishes, never the repository's own files. */
function stageWorkspace(stage) {
  cpSync(join(root, 'package.json'), join(stage, 'package.json'));
  cpSync(join(root, 'pnpm-workspace.yaml'), join(stage, 'pnpm-workspace.yaml'));
  cpSync(join(root, '.changeset'), join(stage, '.changeset'), { recursive: true });
  const packages = workspacePackages();
  for (const { dir, manifest } of packages) {
    const from = join(root, dir);
    if (manifest.private === true) {
      mkdirSync(join(stage, dir), { recursive: true });
      cpSync(join(from, 'package.json'), join(stage, dir, 'package.json'));
    } else {
      cpSync(from, join(stage, dir), {
        recursive: true,
        filter: (path) => !/(^|\/)(node_modules|src|test|\.turbo)(\/|$)/.test(relative(from, path)),
      });
    }
  }
  return packages;
}

/** Links each workspace: dependency of a staged public package, as `pnpm install` would, for pnpm to rewrite it. */
function linkWorkspaceDependencies(stage, packages) {
  const directories = new Map(packages.map(({ dir, manifest }) => [manifest.name, dir]));
  for (const { dir } of packages) {
    const manifest = JSON.parse(readFileSync(join(stage, dir, 'package.json'), 'utf8'));
    if (manifest.private === true) continue;
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
      for (const [name, range] of Object.entries(manifest[field] ?? {})) {
        if (!String(range).startsWith('workspace:')) continue;
        const link = join(stage, dir, 'node_modules', name);
        mkdirSync(dirname(link), { recursive: true });
        rmSync(link, { force: true, recursive: true });
        symlinkSync(join(stage, directories.get(name)), link, 'dir');
      }
    }
  }
}

/**
 * `npm install` from the local registry, with a cache of this run's own (so nothing of an earlier run's registry is
 * taken for this one's, and the user's cache is left alone), which later installs of the run may use unrevalidated.
 */
function npmInstallArgs(registry) {
  return [
    'install',
    '--registry',
    registry.url,
    '--cache',
    join(scratch, 'npm-cache'),
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
  ];
}

/**
 * `npm install` of `specs` from the local registry into `folder` (made empty, with a package.json). `ignoreScripts`
 * skips install scripts (a type check needs no native build, such as @os/hub's better-sqlite3).
 */
async function npmInstall(folder, specs, registry, { ignoreScripts = false } = {}) {
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'package.json'),
    `${JSON.stringify({ name: 'scratch', private: true, type: 'module' }, null, 2)}\n`,
  );
  const args = [...npmInstallArgs(registry), ...(ignoreScripts ? ['--ignore-scripts'] : []), ...specs];
  await exec('npm', args, { cwd: folder, env });
}

/** This Node's major version, and the `lib` @tsconfig/nodeN gives a project on it (no `esnext.*` entries). */
const nodeMajor = Number(process.versions.node.split('.')[0]);
const defaultLib = nodeMajor >= 22 ? 'es2024' : 'es2023';

/** What a TypeScript project on this Node has besides the packages: its Node's @types/node. */
const typesNode = `@types/node@${nodeMajor}`;

/**
 * Type-checks `folder`'s `.ts` files as a strict project on this Node would, @tsconfig/nodeN's way (Node 20: target
 * es2022, lib es2023), with `@types/node` and nothing else: no extra `lib` entry, and the packages' .d.ts checked too.
 */
async function typeCheck(folder) {
  const tsconfig = {
    compilerOptions: {
      strict: true,
      target: 'es2022',
      lib: [defaultLib],
      module: 'nodenext',
      moduleResolution: 'nodenext',
      types: ['node'],
      noEmit: true,
      skipLibCheck: false,
    },
    include: ['*.ts'],
  };
  writeFileSync(join(folder, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  await exec(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', folder], { cwd: folder, env });
}

/** The TypeScript consumer: a component, a test of it, and a boot of a system, against every main entry point. */
const consumer = `import { Capability } from '@os/capability';
import { run, type RunOptions } from '@os/cli';
import * as dummy from '@os/dummy';
import { init } from '@os/init';
import { VirtualClock, hasErrorCode, type KernelFactory } from '@os/kernel';
import * as kernelHost from '@os/kernel/host';
import { createHwKernel } from '@os/kernel-hw';
import { createNovaKernel } from '@os/kernel-nova';
import { createSel4Kernel } from '@os/kernel-sel4';
import * as libc from '@os/libc-shim';
import { BinaryLoader, hardenRealm } from '@os/loader';
import * as rom from '@os/rom';
import * as romHost from '@os/rom/host';
import { RpcObject, codec, defineInterface, method } from '@os/rpc';
import { AttachedRomDataspace, type Env } from '@os/runtime';
import { boot } from '@os/runtime/host';
import * as session from '@os/session';
import { type ComponentRun, runComponent } from '@os/testing';
import { Timer, timerDriver } from '@os/timer';

const Greeter = defineInterface('Greeter', { greet: method([codec.string], codec.string) });
export class GreeterServer extends RpcObject<typeof Greeter> {
  constructor() {
    super(Greeter);
  }
  greet(name: string): string {
    return \`hello \${name}\`;
  }
}

export async function construct(env: Env): Promise<void> {
  const config = await AttachedRomDataspace.open(env, 'config');
  const count: number = config.xml().numberAttribute('count', 2);
  await config.close();
  const timer = await Timer.Connection.open(env);
  for (let tick = 1; tick <= count; tick++) {
    await timer.msleep(100);
    await env.log(\`tick \${tick}\`);
  }
  await env.parent.exit(0);
}

export async function test(): Promise<readonly string[]> {
  const result: ComponentRun = await runComponent({ binary: { construct }, kernel: 'nova' });
  return result.output;
}

export async function bootIt(): Promise<number> {
  await hardenRealm();
  const kernels: KernelFactory[] = [createHwKernel, createNovaKernel, createSel4Kernel];
  const loader = new BinaryLoader({ directory: '.', builtins: { init, timer: timerDriver } });
  const roms = new Map([['config', new TextEncoder().encode('<config/>')]]);
  const description = { init: 'init', binaries: loader.resolve, roms };
  const system = await boot(description, { kernel: kernels[0]!, clock: new VirtualClock() });
  return system.exit;
}

export const options: RunOptions = { kernel: 'hw', virtualTime: true, seed: 1 };
export const used = [Capability, run, dummy, hasErrorCode, kernelHost, libc, rom, romHost, session];
`;

const fiveTicks = [1, 2, 3, 4, 5].map((tick) => `[init -> hello] timer tick ${tick}\n`).join('');

let registry;
// a run ended by a signal stops the registry and removes the scratch folder too
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, async () => {
    process.stderr.write(`publish-test: ${signal}: stopping the registry\n`);
    await registry?.stop();
    rmSync(scratch, { recursive: true, force: true });
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}
try {
  const published = publicPackages();
  const upstream = await upstreamRegistry();
  registry = await step(`starting Verdaccio on 127.0.0.1 (other packages from ${upstream})`, () =>
    startRegistry(join(scratch, 'registry'), upstream),
  );
  process.stdout.write(`publish-test: registry ${registry.url}\n`);

  const stage = join(scratch, 'stage');
  const versions = await step('changeset version in a scratch copy of the workspace', async () => {
    const packages = stageWorkspace(stage);
    await exec(bin('changeset'), ['version'], { cwd: stage, env });
    linkWorkspaceDependencies(stage, packages);
    const staged = new Map();
    for (const { dir } of [...published, { dir: 'apps/blinker' }]) {
      const manifest = JSON.parse(readFileSync(join(stage, dir, 'package.json'), 'utf8'));
      staged.set(manifest.name, manifest.version);
    }
    return staged;
  });
  process.stdout.write(
    `publish-test: versions ${[...versions].map(([name, version]) => `${name}@${version}`).join(' ')}\n`,
  );

  await step('pnpm publish -r of packages/* to the local registry', async () => {
    const host = registry.url.replace(/^http:/, '');
    writeFileSync(join(stage, '.npmrc'), `registry=${registry.url}/\n${host}/:_authToken=${registry.token}\n`);
    await exec(
      'pnpm',
      ['publish', '-r', '--filter', './packages/*', '--no-git-checks', '--registry', `${registry.url}/`],
      { cwd: stage, env },
    );
    for (const { manifest } of published) {
      const response = await fetch(`${registry.url}/${manifest.name.replace('/', '%2f')}`);
      const packument = await response.json();
      const version = versions.get(manifest.name);
      const entry = packument.versions?.[version];
      check(entry !== undefined, `${manifest.name}@${version} is not in the registry after publishing`);
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [name, range] of Object.entries(entry[field] ?? {})) {
          check(!range.startsWith('workspace:'), `${manifest.name} was published with ${field} ${name}@${range}`);
        }
      }
    }
  });

  await step(`each of the ${published.length} packages installed alone, imported and type-checked`, () =>
    inParallel(published, 4, async ({ manifest }) => {
      const folder = join(scratch, 'alone', manifest.name.replace('/', '-'));
      await npmInstall(folder, [manifest.name, typesNode], registry);
      const specifiers = entryPoints(manifest);
      const script = specifiers.map((specifier) => `await import(${JSON.stringify(specifier)});`).join('\n');
      await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: folder, env });
      writeFileSync(
        join(folder, 'check.ts'),
        specifiers.map((specifier, index) => `export * as entry${index} from '${specifier}';\n`).join(''),
      );
      await typeCheck(folder);
    }),
  );

  await step('a strict TypeScript consumer of every entry point type-checks (default lib, @types/node)', async () => {
    const folder = join(scratch, 'consumer');
    await npmInstall(folder, [...published.map(({ manifest }) => manifest.name), typesNode], registry, {
      ignoreScripts: true,
    });
    writeFileSync(join(folder, 'consumer.ts'), consumer);
    await typeCheck(folder);
  });

  const project = join(scratch, 'project');
  await step("a user's folder: npm install @os/cli and what a component needs, os new system, os run", async () => {
    const blinker = await exec('pnpm', ['pack', '--pack-destination', join(scratch, 'tarballs')], {
      cwd: join(stage, 'apps/blinker'),
      env,
    });
    const tarball = blinker.stdout.trim().split('\n').at(-1);
    await npmInstall(project, ['@os/cli', '@os/testing', '@os/runtime', '@os/timer', tarball], registry);
    const made = await exec('npx', ['os', 'new', 'system', 'my-system'], { cwd: project, env });
    check(made.stdout.includes('hello.mjs'), `os new system printed:\n${made.stdout}`);
    expectOutput(
      await exec('npx', ['os', 'run', 'my-system', '--virtual-time'], { cwd: project, env, allowFailure: true }),
      fiveTicks,
      'npx os run my-system --virtual-time',
    );
    // apps/blinker's README, step 4: its system.xml, the package started by name
    const readme = readFileSync(join(root, 'apps/blinker/README.md'), 'utf8');
    const config = /`my-system\/system.xml`:\s*```xml\n([\s\S]*?)```/.exec(readme)?.[1];
    check(config !== undefined, 'apps/blinker/README.md has no my-system/system.xml block');
    mkdirSync(join(project, 'blinker-system'));
    writeFileSync(join(project, 'blinker-system/system.xml'), config);
    expectOutput(
      await exec('npx', ['os', 'run', 'blinker-system/system.xml', '--virtual-time'], {
        cwd: project,
        env,
        allowFailure: true,
      }),
      ['on', 'off', 'on', 'off'].map((state) => `[init -> blinker] led1 ${state}\n`).join(''),
      '@acme/blinker, installed from its tarball and started by name',
    );
    // docs/writing-a-server.md's example (apps/guide-server), run from the installed packages
    mkdirSync(join(project, 'guide-server'));
    for (const file of ['guestbook.mjs', 'guestbook-server.mjs', 'visitor.mjs', 'system.xml'])
      writeFileSync(join(project, 'guide-server', file), readFileSync(join(root, 'apps/guide-server', file)));
    expectOutput(
      await exec('npx', ['os', 'run', 'guide-server/system.xml', '--virtual-time'], {
        cwd: project,
        env,
        allowFailure: true,
      }),
      [
        'ada signed as entry 1',
        'grace signed as entry 2',
        'edsger could not sign: your policy allows 2 entries',
        'the book: ada, grace',
        'ServiceDenied: Guestbook: no policy matches label "visitor -> intruder" in ROM "config" and there is no ' +
          '<default-policy>',
      ]
        .map((line) => `[init -> visitor] ${line}\n`)
        .join(''),
      "the guide's guestbook server (docs/writing-a-server.md), from the installed packages",
    );
  });

  await step('os new component, then npm install && npm test inside it', async () => {
    const made = await exec('npx', ['os', 'new', 'component', '../my-component'], { cwd: project, env });
    const component = join(scratch, 'my-component');
    const manifest = JSON.parse(readFileSync(join(component, 'package.json'), 'utf8'));
    check(
      manifest.devDependencies['@os/testing'] === `^${versions.get('@os/testing')}`,
      `the made package asks for @os/testing ${manifest.devDependencies['@os/testing']}:\n${made.stdout}`,
    );
    await exec('npm', npmInstallArgs(registry), { cwd: component, env });
    const tested = await exec('npm', ['test'], { cwd: component, env: { ...env, NO_COLOR: '1' }, allowFailure: true });
    check(
      tested.code === 0 && /Tests\s+4 passed/.test(stripVTControlCharacters(tested.stdout)),
      `npm test in the made package:\n${tested.stdout}\n${tested.stderr}`,
    );
    expectOutput(
      await exec('npx', ['os', 'run', 'system.xml', '--virtual-time'], { cwd: component, env, allowFailure: true }),
      [1, 2, 3].map((tick) => `[init -> my-component] tick ${tick}\n`).join(''),
      'npx os run system.xml --virtual-time in the made package',
    );
    process.stdout.write(`publish-test: the made package holds ${readdirSync(component).sort().join(', ')}\n`);
  });

  process.stdout.write(`publish-test: passed in ${seconds(started)}\n`);
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (registry !== undefined) process.stderr.write(`--- Verdaccio's log\n${registry.log()}\n`);
  process.stderr.write(`publish-test: FAILED after ${seconds(started)}\n`);
} finally {
  await registry?.stop();
  if (process.env.OS_PUBLISH_KEEP === '1') process.stdout.write(`publish-test: kept ${scratch}\n`);
  else rmSync(scratch, { recursive: true, force: true });
}
