import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLxFs } from '@os/fs/host';
import { init } from '@os/init';
import { netServer } from '@os/net/host';
import { reportRom } from '@os/rom';
import { AttachedRomDataspace, type ComponentModule, Reporter, SignalHandler, XmlNode } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { timerDriver } from '@os/timer';
import { onTestFinished } from 'vitest';
import { type ArchiveStatus, depotDownload, parseDownloadState } from '../src/download.js';
import { type DepotServer, keygen, publish, serveDepot } from '../src/host.js';
import { componentFolder } from './fixture.js';

/** A fresh host directory, removed when the test finishes. */
export function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), `os-download-${prefix}-`));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** The pkg and bin archive `publishedDepot` makes. */
export const PKG = 'gapstage/pkg/http_server/2023-01-01';
export const BIN = 'gapstage/bin/js/http_server/2023-01-01';

/** A depot folder as `os depot publish` writes it, and the user's public key. */
export interface PublishedDepot {
  readonly dir: string;
  readonly pubkey: string;
  /** The private key file of `gapstage`. */
  readonly key: string;
}

/** Publishes an http_server component (with 20 KB of random bytes: its archive is larger than 20 KB) as gapstage's. */
export async function publishedDepot(): Promise<PublishedDepot> {
  const root = temporaryDirectory('depot');
  const dir = join(root, 'depot');
  const key = join(root, 'gapstage.key');
  keygen('gapstage', { depot: dir, key });
  const component = join(root, 'http_server');
  componentFolder(component, 'http_server');
  writeFileSync(join(component, 'dist', 'image.bin'), randomBytes(20_000));
  await publish(component, { user: 'gapstage', version: '2023-01-01', depot: dir, key });
  return { dir, key, pubkey: readFileSync(join(dir, 'gapstage', 'pubkey'), 'utf8') };
}

/** A depot server with its request log. */
export interface LoggedDepotServer extends DepotServer {
  /** `GET /path 200` per request, in order. */
  readonly requests: string[];
}

/** Serves `dir` with `serveDepot` on 127.0.0.1 (`port`, default a free one), logging each request. */
export async function servedDepot(dir: string, port = 0): Promise<LoggedDepotServer> {
  const requests: string[] = [];
  const server = await serveDepot(dir, {
    port,
    onRequest: (method, target, status) => requests.push(`${method} ${target} ${status}`),
  });
  onTestFinished(() => server.close());
  return { ...server, requests };
}

/** The bytes of the depot file request target `target` names under `dir`; undefined when there is none (a 404). */
export function depotFileOf(dir: string, target: string): Buffer | undefined {
  try {
    return readFileSync(join(dir, ...target.slice(1).split('/')));
  } catch {
    return undefined;
  }
}

/** Listens with `server` on 127.0.0.1 at a free port, closed with its connections when the test finishes. */
export async function listenForTest(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

/**
 * A hostile depot: serves the files of `dir` with chunked encoding, without a Content-Length, so that only the
 * streamed size can tell how large a response is.
 */
export async function chunkedDepot(dir: string): Promise<{ readonly url: string; readonly port: number }> {
  const server: Server = createServer((request, response) => {
    const bytes = depotFileOf(dir, request.url ?? '/');
    if (bytes === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let at = 0; at < bytes.length; at += 1000) response.write(bytes.subarray(at, at + 1000));
    response.end();
  });
  const port = await listenForTest(server);
  return { url: `http://127.0.0.1:${port}/`, port };
}

/**
 * A flaky depot: serves the files of `dir`, but cuts the connection halfway through the first response for each
 * `.tar.gz` (after announcing its whole Content-Length), as a depot behind a dropping link would.
 */
export async function flakyDepot(dir: string): Promise<{ readonly url: string; readonly port: number }> {
  const cut = new Set<string>();
  const server: Server = createServer((request, response) => {
    const target = request.url ?? '/';
    const bytes = depotFileOf(dir, target);
    if (bytes === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-length': bytes.length });
    if (!target.endsWith('.tar.gz') || cut.has(target)) {
      response.end(bytes);
      return;
    }
    cut.add(target);
    response.write(bytes.subarray(0, bytes.length >> 1), () => response.socket?.destroy());
  });
  const port = await listenForTest(server);
  return { url: `http://127.0.0.1:${port}/`, port };
}

/** The storage folder of a gateway: lx_fs serves it; removed when the test finishes. */
export function storageFolder(): string {
  return join(temporaryDirectory('gateway'), 'storage');
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What a gateway-like system of net, lx_fs, report_rom, depot_download and a deployer is made of. */
export interface DownloadSystem {
  /** The host directory lx_fs serves (the local depot is its `depot/`, the quarantine its `quarantine/`). */
  readonly storage: string;
  /** The port net's policy lets depot_download connect to (on 127.0.0.1). */
  readonly allowedPort: number;
  /** depot_download's `<config>`, whole. */
  readonly downloadConfig: string;
  /** The pkgs the deployer reports in `installation`. */
  readonly pkgs: readonly string[];
  /** Told of each download_state the deployer sees (to wait for a state in the test). */
  readonly onState?: (xml: string) => void;
  /** Attributes added to lx_fs's policy for depot_download (`quota="30K"`). */
  readonly storagePolicy?: string;
  /** Whether the deployer lists only pkgs not done yet, reporting `installation` anew as each is done (as deploy). */
  readonly followDone?: boolean;
}

/** How a run of a {@link DownloadSystem} ended. */
export interface DownloadRun {
  /** Every LOG line. */
  readonly lines: readonly string[];
  /** Each distinct download_state the deployer saw, in order. */
  readonly states: readonly string[];
  /** The last one, read: each archive's status by path. */
  readonly final: ReadonlyMap<string, ArchiveStatus>;
}

/** The deployer: reports `installation`, prints every download_state it sees, exits once each pkg settled. */
function deployer(
  pkgs: readonly string[],
  states: string[],
  onState?: (xml: string) => void,
  followDone = false,
): ComponentModule {
  return {
    async construct(env) {
      const reporter = await Reporter.open(env, 'installation');
      const rom = await AttachedRomDataspace.open(env, 'download_state');
      let finished = false;
      let listed = '';
      const done = new Set<string>();
      const list = async (wanted: readonly string[]): Promise<void> => {
        const archives = wanted.map((pkg) => `\t<archive path="${pkg}"/>`).join('\n');
        const text = `<installation arch="js">\n${archives}\n</installation>\n`;
        if (text === listed) return;
        listed = text;
        await reporter.report(text);
      };
      const look = async (): Promise<void> => {
        await rom.update();
        if (finished || !rom.valid()) return;
        const text = rom.text();
        if (states.at(-1) === text) return;
        states.push(text);
        onState?.(text);
        const archives = parseDownloadState(rom.xml());
        for (const [path, status] of archives)
          await env.log(`${path} ${status.state}${status.retry === undefined ? '' : ` retry ${status.retry}`}`);
        for (const [path, status] of archives) if (status.state === 'done') done.add(path);
        // a pkg no longer listed leaves the state: what was seen done stays done
        const settled = (pkg: string): boolean => done.has(pkg) || archives.get(pkg)?.state === 'failed';
        if (pkgs.every(settled)) {
          finished = true;
          await env.parent.exit(0);
          return;
        }
        if (followDone) await list(pkgs.filter((pkg) => !done.has(pkg)));
      };
      await rom.sigh(new SignalHandler(env.ep, look));
      await list(pkgs);
      await look();
    },
  };
}

function systemConfig(system: DownloadSystem): string {
  return `<config>
  <parent-provides>
    <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/>
  </parent-provides>
  <start name="timer" caps="50" ram="1M">
    <provides> <service name="Timer"/> </provides>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="net" caps="300" ram="16M">
    <provides> <service name="Net"/> </provides>
    <config>
      <policy label="depot_download"> <connect host="127.0.0.1" port="${system.allowedPort}"/> </policy>
    </config>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="lx_fs" caps="200" ram="4M">
    <provides> <service name="File_system"/> </provides>
    <config directory="storage">
      <policy label="depot_download" root="/" writeable="yes" ${system.storagePolicy ?? ''}/>
    </config>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="report_rom" caps="100" ram="2M">
    <provides> <service name="Report"/> <service name="ROM"/> </provides>
    <config>
      <policy label="depot_download -> installation" report="deployer -> installation"/>
      <policy label="deployer -> download_state" report="depot_download -> download_state"/>
    </config>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="depot_download" caps="300" ram="8M">
    ${system.downloadConfig}
    <route>
      <service name="ROM" label="installation"> <child name="report_rom"/> </service>
      <service name="Report"> <child name="report_rom"/> </service>
      <service name="Net"> <child name="net"/> </service>
      <service name="File_system"> <child name="lx_fs"/> </service>
      <service name="Timer"> <child name="timer"/> </service>
      <any-service> <parent/> </any-service>
    </route>
  </start>
  <start name="deployer" caps="100" ram="2M">
    <route>
      <service name="ROM" label="download_state"> <child name="report_rom"/> </service>
      <service name="Report"> <child name="report_rom"/> </service>
      <any-service> <parent/> </any-service>
    </route>
    <exit propagate="yes"/>
  </start>
</config>
`;
}

/** Boots the system on real time (net refuses virtual time); resolves once the deployer saw every pkg settle. */
export async function runDownload(system: DownloadSystem): Promise<DownloadRun> {
  const states: string[] = [];
  const handle = await boot(
    {
      init: 'init',
      binaries: binaryTable({
        init,
        timer: timerDriver,
        net: netServer({ virtualTime: false }),
        lx_fs: createLxFs({ base: join(system.storage, '..') }),
        report_rom: reportRom,
        depot_download: depotDownload,
        deployer: deployer(system.pkgs, states, system.onState, system.followDone),
      }),
      roms: new Map([['config', new TextEncoder().encode(systemConfig(system))]]),
    },
    {
      kernel: kernelUnderTest().factory,
      ...(process.env['DOWNLOAD_DEBUG'] ? { log: (line: string) => console.error(line) } : {}),
    },
  );
  const exit = await handle.exit;
  if (exit !== 0) throw new Error(`the system exited with ${exit}:\n${handle.lines.join('\n')}`);
  const last = states.at(-1) ?? '<download/>';
  return { lines: [...handle.lines], states, final: parseDownloadState(XmlNode.parse(last, 'download_state')) };
}

/** depot_download's `<config>` for the depot at `url`, trusting `keys` (user -> PEM), with `attributes` added. */
export function downloadConfig(url: string, keys: Readonly<Record<string, string>>, attributes = ''): string {
  const trust = Object.entries(keys)
    .map(([user, pem]) => `<trust user="${user}" pubkey="${pem.trim()}"/>`)
    .join('\n      ');
  return `<config url="${url}" retry_initial_ms="20" retry_max_ms="200" timeout_ms="10000" ${attributes}>
      ${trust}
    </config>`;
}

/** Every file under `dir`, by relative path, with its bytes. */
export function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const visit = (relative: string): void => {
    for (const name of readdirSync(join(dir, relative)).sort()) {
      const path = relative === '' ? name : `${relative}/${name}`;
      if (statSync(join(dir, path)).isDirectory()) visit(path);
      else files.set(path, readFileSync(join(dir, path)));
    }
  };
  visit('');
  return files;
}

/**
 * What a download left in the quarantine at `dir`: every node but the slots' own folders (`.0`, `.1`, ...), which stay
 * empty between pkgs. Empty when no download and no staging copy is left.
 */
export function leftInQuarantine(dir: string): string[] {
  const left: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (/^\.\d+$/.test(name) && statSync(join(dir, name)).isDirectory())
      left.push(...readdirSync(join(dir, name)).map((entry) => `${name}/${entry}`));
    else left.push(name);
  }
  return left;
}
