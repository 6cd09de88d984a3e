import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, PKG, filesUnder, temporaryDirectory } from './download-system.js';
import { componentFolder } from './fixture.js';

const OS = fileURLToPath(new URL('../../cli/bin/os.js', import.meta.url));

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

/** A confined component: reports the installation, prints each download_state, exits once the pkg settled. */
const DEPLOYER = `import { AttachedRomDataspace, Reporter, SignalHandler } from '@os/runtime';

export async function construct(env) {
  const reporter = await Reporter.open(env, 'installation');
  const rom = await AttachedRomDataspace.open(env, 'download_state');
  const look = async () => {
    await rom.update();
    if (!rom.valid()) return;
    const archives = rom.xml().subNodes('archive');
    await env.log(archives.map((a) => a.stringAttribute('path', '') + ' ' + a.stringAttribute('state', '')).join(', '));
    const pkg = archives.find((a) => a.stringAttribute('path', '') === '${PKG}');
    if (pkg !== undefined && ['done', 'failed'].includes(pkg.stringAttribute('state', ''))) await env.parent.exit(0);
  };
  await rom.sigh(new SignalHandler(env.ep, look));
  await reporter.report('<installation arch="js"> <archive path="${PKG}"/> </installation>');
  await look();
}
`;

function system(port: number, pubkey: string): string {
  return `<config>
  <parent-provides>
    <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/>
  </parent-provides>
  <default caps="100" ram="2M"/>
  <start name="timer">
    <provides> <service name="Timer"/> </provides> <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="net" caps="300" ram="16M">
    <provides> <service name="Net"/> </provides>
    <config> <policy label="depot_download"> <connect host="127.0.0.1" port="${port}"/> </policy> </config>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="lx_fs" caps="200" ram="4M">
    <provides> <service name="File_system"/> </provides>
    <config directory="storage"> <policy label="depot_download" root="/" writeable="yes"/> </config>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="report_rom">
    <provides> <service name="Report"/> <service name="ROM"/> </provides>
    <config>
      <policy label="depot_download -> installation" report="deployer -> installation"/>
      <policy label="deployer -> download_state" report="depot_download -> download_state"/>
    </config>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="depot_download" caps="300" ram="8M">
    <config url="http://127.0.0.1:${port}/"> <trust user="gapstage" pubkey="${pubkey}"/> </config>
    <route>
      <service name="ROM" label="installation"> <child name="report_rom"/> </service>
      <service name="Report"> <child name="report_rom"/> </service>
      <service name="Net"> <child name="net"/> </service>
      <service name="File_system"> <child name="lx_fs"/> </service>
      <service name="Timer"> <child name="timer"/> </service>
      <any-service> <parent/> </any-service>
    </route>
  </start>
  <start name="deployer">
    <binary name="deployer.mjs"/>
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

describe('depot_download under os run', () => {
  it('is a built-in binary: os depot publish, os depot serve, os run with net, lx_fs and report_rom', async () => {
    const work = temporaryDirectory('os-run');
    const os = (...args: string[]) => spawnSync(process.execPath, [OS, ...args], { cwd: work, encoding: 'utf8' });
    componentFolder(join(work, 'http_server'), 'http_server');
    expect(os('depot', 'keygen', 'gapstage', '--depot', 'depot', '--key', 'gapstage.key').status).toBe(0);
    const published = os(
      ...['depot', 'publish', 'http_server', '--user', 'gapstage', '--version', '2023-01-01'],
      ...['--depot', 'depot', '--key', 'gapstage.key'],
    );
    expect(published.status).toBe(0);
    const server = spawn(process.execPath, [OS, 'depot', 'serve', 'depot', '--port', '0'], { cwd: work });
    running.push(server);
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: server.stdout as NodeJS.ReadableStream }).once('line', resolve),
    );
    const port = Number(/:(\d+)\/$/.exec(line)?.[1]);

    // the pubkey as base64 SPKI in an attribute: the PEM's body
    const pubkey = readFileSync(join(work, 'depot/gapstage/pubkey'), 'utf8').replace(/-----[A-Z ]+-----|\s/g, '');
    writeFileSync(join(work, 'system.xml'), system(port, pubkey));
    writeFileSync(join(work, 'deployer.mjs'), DEPLOYER);
    const run = spawnSync(process.execPath, [OS, 'run', 'system.xml'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`[init -> deployer] ${PKG} done, ${BIN} done\n`);
    for (const archive of [PKG, BIN])
      expect(filesUnder(join(work, 'storage/depot', archive))).toEqual(filesUnder(join(work, 'depot', archive)));
    expect(filesUnder(join(work, 'storage/quarantine'))).toEqual(new Map());
  });
});
