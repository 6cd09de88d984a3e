import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DepotTrust, depotFiles, missingArchives, parseArchivePath, type SignedArchive, verifyPkg } from '@os/depot';
import { keygen, publish } from '@os/depot/host';
import { FileSystem, type FileSystemConnection, LookupFailed } from '@os/fs';
import { createLxFs } from '@os/fs/host';
import { init } from '@os/init';
import { VirtualClock, hasErrorCode } from '@os/kernel';
import { BinaryLoader, hardenRealm } from '@os/loader';
import { reportRom } from '@os/rom';
import { AttachedRomDataspace, type ComponentModule, type Env, Reporter, SignalHandler } from '@os/runtime';
import { boot } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { Timer, timerDriver } from '@os/timer';
import { deploy } from '../src/index.js';
import type { DeployState } from '../src/index.js';

/** The depot user of the test packages. */
export const USER = 'gapstage';

/** A test depot: `source` holds what `os depot publish` wrote (the download's origin), `depot` the local depot. */
export interface TestDepot {
  /** The folder lx_fs serves (its `directory`). */
  readonly base: string;
  /** The publisher's depot: archives as `.tar.gz` + `.sig`, and `gapstage/pubkey`. */
  readonly source: string;
  /** The gateway's local depot: what the download extracted, what the loader starts binaries from. */
  readonly depot: string;
  /** Publishes a tiny component package `name` at `version` into `source`. */
  publish(name: string, version: string, manifest?: Record<string, unknown>, body?: string): Promise<void>;
  /** Writes `files` (relative to the local depot) as they are: what a hand or an older download left there. */
  place(files: Readonly<Record<string, string>>): void;
  /** Removes a file or folder of `source`. */
  remove(path: string): void;
}

/**
 * The body of a test component's `construct`: it logs `<name> started, greeting <greeting>` (the greeting from its
 * config) and stays. Runs confined, loaded from the local depot.
 */
export const GREETER = `const config = (await AttachedRomDataspace.open(env, 'config')).xml();
  await env.log(NAME + ' started, greeting ' + config.stringAttribute('greeting', 'none'));`;

/** A test depot in a fresh temporary folder (removed at the end of the test file). */
export function testDepot(cleanup: (action: () => void) => void): TestDepot {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'os-deploy-test-')));
  cleanup(() => rmSync(base, { recursive: true, force: true }));
  const source = join(base, 'source');
  const depot = join(base, 'depot');
  const key = join(base, 'keys', `${USER}.key`);
  mkdirSync(depot, { recursive: true });
  keygen(USER, { depot: source, key });
  const packages = join(base, 'packages');
  return {
    base,
    source,
    depot,
    async publish(name, version, manifest = {}, body = GREETER) {
      const folder = join(packages, `${name}-${version}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(
        join(folder, 'package.json'),
        JSON.stringify({
          name,
          description: `the ${name} test component`,
          type: 'module',
          exports: { '.': './main.mjs' },
          osComponent: { wire: 1, requires: ['LOG', 'Timer'], ram: '2M', caps: 100, ...manifest },
        }),
      );
      writeFileSync(
        join(folder, 'main.mjs'),
        `import { AttachedRomDataspace } from '@os/runtime';\nconst NAME = ${JSON.stringify(name)};\n` +
          `export async function construct(env) {\n  ${body}\n}\n`,
      );
      await publish(folder, { user: USER, version, depot: source, key });
    },
    place(files) {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(depot, path)), { recursive: true });
        writeFileSync(join(depot, path), text);
      }
    },
    remove(path) {
      rmSync(join(source, path), { recursive: true, force: true });
    },
  };
}

const decoder = new TextDecoder();

/** The bytes of `path` in `fs`, or undefined when it is not there. */
async function fetchFile(fs: FileSystemConnection, path: string): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    if (hasErrorCode(error, LookupFailed.code)) return undefined;
    throw error;
  }
}

/**
 * The download, standing in for the gateway's: for each pkg of its ROM `installation` it fetches the pkg and every
 * archive it needs from its File_system session `source` (a publisher's depot), verifies them all with @os/depot
 * against the user's key there, extracts them into its session `depot` (each archive into a staging folder first,
 * then moved in, the pkg last), and reports each step in `download_state`.
 */
export const download: ComponentModule = {
  async construct(env: Env) {
    const source = await FileSystem.Connection.open(env, { label: 'source' });
    const depot = await FileSystem.Connection.open(env, { label: 'depot' });
    const installationRom = await AttachedRomDataspace.open(env, 'installation');
    const reporter = await Reporter.open(env, 'download_state', 16 * 1024);
    const states = new Map<string, string>();
    const attribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    const report = async (path: string, state: string, failure?: Error): Promise<void> => {
      const because = failure === undefined ? '' : ` error="${failure.name}" reason="${attribute(failure.message)}"`;
      states.set(path, `<archive path="${path}" state="${state}"${because}/>`);
      await reporter.report(`<download>\n${[...states.values()].map((node) => `\t${node}`).join('\n')}\n</download>\n`);
    };
    const fetchPkg = async (pkg: string): Promise<void> => {
      await report(pkg, 'download');
      const trust = DepotTrust.fromPem({ [USER]: decoder.decode(await source.readFile(`/${USER}/pubkey`)) });
      const fetched = new Map<string, SignedArchive>();
      const tried = new Set<string>();
      for (;;) {
        const needed = (await missingArchives(pkg, fetched, { trust })).filter((path) => !tried.has(path.path));
        if (needed.length === 0) break;
        for (const path of needed) {
          tried.add(path.path);
          const archive = await fetchFile(source, `/${path.path}.tar.gz`);
          const signature = await fetchFile(source, `/${path.path}.tar.gz.sig`);
          if (archive !== undefined && signature !== undefined) fetched.set(path.path, { archive, signature });
        }
      }
      await report(pkg, 'verify');
      const verified = await verifyPkg(pkg, fetched, { trust });
      await report(pkg, 'extract');
      const top = parseArchivePath(pkg).path;
      const files = depotFiles(verified);
      for (const archive of [...verified.archives.filter((path) => path.path !== top), verified.pkg]) {
        if (await depot.exists(`/${archive.path}`)) continue;
        const staging = `/.staging/${archive.path}`;
        for (const file of files.filter((f) => f.path.startsWith(`${archive.path}/`))) {
          const target = `/.staging/${file.path}`;
          await depot.mkdirp(target.slice(0, target.lastIndexOf('/')));
          await depot.writeFile(target, file.bytes);
        }
        await depot.mkdirp(`/${archive.path.slice(0, archive.path.lastIndexOf('/'))}`);
        await depot.rename(staging, `/${archive.path}`);
      }
      await report(pkg, 'done');
    };
    const follow = async (): Promise<void> => {
      await installationRom.update();
      if (!installationRom.valid()) return;
      for (const node of installationRom.xml().subNodes('archive')) {
        const pkg = node.stringAttribute('path', '');
        if (states.has(pkg)) continue;
        try {
          await fetchPkg(pkg);
        } catch (error) {
          await report(pkg, 'failed', error as Error);
        }
      }
    };
    await installationRom.sigh(new SignalHandler(env.ep, follow));
    await follow();
  },
};

/** One step of the twin's script: a desired document, and when deploy has answered it. */
export interface TwinStep {
  /** The desired ROM's content (an object is written as JSON). */
  readonly desired: unknown;
  /** Done before the desired document is reported (to the system from outside, e.g. restarting deploy). */
  readonly before?: () => void;
  /** Whether deploy's state answers the step; default: it reflects `$version` and is no longer `deploying`. */
  readonly until?: (state: DeployState) => boolean;
}

/** What the twin saw at the end of a step. */
export interface StepResult {
  /** deploy's state. */
  readonly state: DeployState;
  /** The runtime init's state report at that time. */
  readonly runtime: string;
  /** The installation deploy asked for. */
  readonly installation: string;
}

/**
 * The twin client, standing in for the gateway's: reports each step's `desired` document, polls `deploy_state` every
 * 100 ms of virtual time until the step is answered (for at most 20 s of real time), waits 500 ms more for the
 * components to log, records what it saw, and exits 0 after the last step (1 when a step was not answered).
 */
export function twin(steps: readonly TwinStep[], results: StepResult[]): ComponentModule {
  return {
    async construct(env: Env) {
      const timer = await Timer.Connection.open(env);
      const desired = await Reporter.open(env, 'desired', 64 * 1024);
      const deployState = await AttachedRomDataspace.open(env, 'deploy_state');
      const runtime = await AttachedRomDataspace.open(env, 'runtime_state');
      const installationRom = await AttachedRomDataspace.open(env, 'installation');
      for (const [index, step] of steps.entries()) {
        step.before?.();
        const text = typeof step.desired === 'string' ? step.desired : JSON.stringify(step.desired);
        const version = (step.desired as { $version?: number }).$version;
        const answered =
          step.until ?? ((state: DeployState) => state.desiredVersion === version && state.status !== 'deploying');
        await desired.report(text);
        let state: DeployState | undefined;
        // a deadline in real time: the download's gunzip runs on the host's thread pool, and virtual time moves on
        // while it does, so a deadline in virtual time would race it
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline) {
          await timer.msleep(100);
          await deployState.update();
          if (!deployState.valid()) continue;
          const read = JSON.parse(deployState.text().replace(/\0+$/, '')) as DeployState;
          if (answered(read)) {
            state = read;
            break;
          }
        }
        if (state === undefined) {
          await env.log(`step ${index}: not answered; deploy_state: ${deployState.valid() ? deployState.text() : ''}`);
          await env.parent.exit(1);
          return;
        }
        await timer.msleep(500);
        await deployState.update();
        await runtime.update();
        await installationRom.update();
        results.push({
          state: JSON.parse(deployState.text().replace(/\0+$/, '')) as DeployState,
          runtime: runtime.valid() ? runtime.text().replace(/\0+$/, '') : '',
          installation: installationRom.valid() ? installationRom.text().replace(/\0+$/, '') : '',
        });
      }
      await env.parent.exit(0);
    },
  };
}

/** deploy's config in the test system: trusts gapstage; the runtime may lend 24M and 1000 caps. */
export const DEPLOY_CONFIG = '<config ram="24M" caps="1000"> <trust user="gapstage"/> </config>';

/** The test system: timer, lx_fs, report_rom, deploy, download, twin and the runtime init, as the gateway has them. */
export function systemConfig(deployConfig: string, deployVersion = 1, deployBinary = 'deploy'): string {
  const toReports = `<service name="ROM"> <child name="report_rom"/> </service>
      <service name="Report"> <child name="report_rom"/> </service>`;
  return `<config>
  <parent-provides>
    <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/>
  </parent-provides>
  <default caps="200" ram="4M"/>
  <start name="timer">
    <provides> <service name="Timer"/> </provides>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="lx_fs">
    <provides> <service name="File_system"/> </provides>
    <config directory=".">
      <policy label="deploy -> depot" root="depot" writeable="no"/>
      <policy label="download -> depot" root="depot" writeable="yes"/>
      <policy label="download -> source" root="source" writeable="no"/>
    </config>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="report_rom">
    <provides> <service name="Report"/> <service name="ROM"/> </provides>
    <config>
      <policy label="deploy -> desired" report="twin -> desired"/>
      <policy label="deploy -> download_state" report="download -> download_state"/>
      <policy label="deploy -> runtime_state" report="runtime -> state"/>
      <policy label="download -> installation" report="deploy -> installation"/>
      <policy label="runtime -> config" report="deploy -> runtime_config"/>
      <policy label="twin -> deploy_state" report="deploy -> deploy_state"/>
      <policy label="twin -> runtime_state" report="runtime -> state"/>
      <policy label="twin -> installation" report="deploy -> installation"/>
    </config>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="deploy" version="${deployVersion}">
    <binary name="${deployBinary}"/>
    ${deployConfig}
    <route>
      <service name="File_system"> <child name="lx_fs"/> </service> ${toReports}
      <any-service> <parent/> </any-service>
    </route>
  </start>
  <start name="download">
    <config/>
    <route>
      <service name="File_system"> <child name="lx_fs"/> </service> ${toReports}
      <any-service> <parent/> </any-service>
    </route>
  </start>
  <start name="twin">
    <config/>
    <route>
      <service name="Timer"> <child name="timer"/> </service> ${toReports}
      <any-service> <parent/> </any-service>
    </route>
    <exit propagate="yes"/>
  </start>
  <start name="runtime" ram="32M" caps="1500">
    <binary name="init"/>
    <route>
      <service name="ROM" label="config"> <child name="report_rom"/> </service>
      <service name="Report"> <child name="report_rom"/> </service>
      <service name="Timer"> <child name="timer"/> </service>
      <any-service> <parent/> </any-service>
    </route>
  </start>
</config>`;
}

/** What a run of the test system gives back. */
export interface DeployRun {
  /** The system's exit value: 0 when the twin saw every step answered. */
  readonly exit: number;
  /** Every LOG line. */
  readonly lines: readonly string[];
  /** What the twin saw at the end of each step. */
  readonly results: readonly StepResult[];
}

/** How {@link runDeploy} runs the test system. */
export interface RunDeployOptions {
  /** deploy's `<config>` (default {@link DEPLOY_CONFIG}). */
  readonly deployConfig?: string;
  /** Load deploy from its package into a compartment, as a confined component, instead of as a built-in. */
  readonly confined?: boolean;
}

const encoder = new TextEncoder();
const packageDirectory = fileURLToPath(new URL('..', import.meta.url));

/** What a step's `before` may do to the running test system. */
export interface SystemControls {
  /** Makes the top init restart deploy (a new version of its start node); the rest keeps running. */
  restartDeploy(): void;
}

/**
 * Boots the test system over `testDepot` on the kernel under test and virtual time, and runs the twin's `steps`
 * (made from the system's controls).
 */
export async function runDeploy(
  depot: TestDepot,
  makeSteps: readonly TwinStep[] | ((controls: SystemControls) => readonly TwinStep[]),
  options: RunDeployOptions = {},
): Promise<DeployRun> {
  const deployConfig = options.deployConfig ?? DEPLOY_CONFIG;
  // confined: deploy loads as the package @os/deploy (its own folder's, by Node's self-reference) into a compartment;
  // @os/depot's main entry imports node:zlib and node:crypto, so the system grants the host's instance of it
  const deployBinary = options.confined === true ? '@os/deploy' : 'deploy';
  await hardenRealm();
  const results: StepResult[] = [];
  let restarts = 1;
  const controls: SystemControls = {
    restartDeploy() {
      restarts += 1;
      system?.core.updateRom('config', encoder.encode(systemConfig(deployConfig, restarts, deployBinary)));
    },
  };
  const steps = typeof makeSteps === 'function' ? makeSteps(controls) : makeSteps;
  let system: Awaited<ReturnType<typeof boot>> | undefined;
  const loader = new BinaryLoader({
    directory: options.confined === true ? packageDirectory : depot.base,
    depot: depot.depot,
    ...(options.confined === true ? { modules: { '@os/depot': await import('@os/depot') } } : {}),
    builtins: {
      init,
      timer: timerDriver,
      lx_fs: createLxFs({ base: depot.base }),
      report_rom: reportRom,
      ...(options.confined === true ? {} : { deploy }),
      download,
      twin: twin(steps, results),
    },
  });
  const roms = new Map([['config', encoder.encode(systemConfig(deployConfig, 1, deployBinary))]]);
  system = await boot(
    { init: 'init', binaries: loader.resolve, roms },
    { kernel: kernelUnderTest().factory, clock: new VirtualClock(1) },
  );
  const exit = await system.exit;
  return { exit, lines: [...system.lines], results };
}

/** The lines component `label` (`runtime -> http_server`) logged, without the label. */
export function linesOf(lines: readonly string[], label: string): string[] {
  const prefix = `[init -> ${label}] `;
  return lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
}

/** The runtime's children in a state report: name, binary and id. */
export function runtimeChildren(report: string): { name: string; binary: string; id: string }[] {
  return [...report.matchAll(/<child name="([^"]*)" binary="([^"]*)"(?: version="[^"]*")? id="(\d+)"/g)].map(
    (match) => ({ name: match[1] as string, binary: match[2] as string, id: match[3] as string }),
  );
}
