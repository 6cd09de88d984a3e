import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen, publish } from '@os/depot/host';
import { deploy } from '@os/deploy';
import { createLxFs } from '@os/fs/host';
import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { BinaryLoader, hardenRealm } from '@os/loader';
import { reportRom } from '@os/rom';
import { AttachedRomDataspace, Reporter, SignalHandler } from '@os/runtime';
import { boot } from '@os/runtime/host';
import { timerDriver } from '@os/timer';

// a local depot holding one signed pkg, gapstage/pkg/http_server/2023-01-01 (as a download leaves it)
const base = mkdtempSync(join(tmpdir(), 'deploy-example-'));
const folder = join(base, 'http_server');
mkdirSync(folder);
writeFileSync(
  join(folder, 'package.json'),
  JSON.stringify({
    name: 'http_server',
    type: 'module',
    exports: { '.': './main.mjs' },
    osComponent: { wire: 1, requires: ['LOG'], ram: '2M', caps: 100 },
  }),
);
writeFileSync(join(folder, 'main.mjs'), "export async function construct(env) { await env.log('serving'); }\n");
keygen('gapstage', { depot: join(base, 'depot'), key: join(base, 'gapstage.key') });
await publish(folder, {
  user: 'gapstage',
  version: '2023-01-01',
  depot: join(base, 'depot'),
  key: join(base, 'gapstage.key'),
});

// the twin client's part: report the desired list, print deploy's state until it settles
const twin = {
  async construct(env) {
    const state = await AttachedRomDataspace.open(env, 'deploy_state');
    await state.sigh(
      new SignalHandler(env.ep, async () => {
        await state.update();
        const reported = JSON.parse(state.text().replace(/\0+$/, ''));
        console.log(`deploy_state: ${reported.status}`);
        if (reported.status === 'deploying') return;
        console.log(JSON.stringify(reported, null, 2));
        await env.parent.exit(0);
      }),
    );
    const desired = await Reporter.open(env, 'desired');
    await desired.report(
      JSON.stringify({
        $version: 7,
        deploy: [
          { start: { name: 'http_server', pkg: 'gapstage/pkg/http_server/2023-01-01' } },
          { start: { name: 'intruder', pkg: 'mallory/pkg/http_server/2023-01-01' } },
        ],
      }),
    );
  },
};

const reports = `<service name="ROM"> <child name="report_rom"/> </service>
      <service name="Report"> <child name="report_rom"/> </service>`;
const config = `<config>
  <parent-provides>
    <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/>
  </parent-provides>
  <default caps="200" ram="4M"/>
  <start name="lx_fs">
    <provides> <service name="File_system"/> </provides>
    <config directory="${base}"> <policy label="deploy -> depot" root="depot" writeable="no"/> </config>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="report_rom">
    <provides> <service name="Report"/> <service name="ROM"/> </provides>
    <config>
      <policy label="deploy -> desired" report="twin -> desired"/>
      <policy label="deploy -> download_state" report="download -> download_state"/>
      <policy label="deploy -> runtime_state" report="runtime -> state"/>
      <policy label="runtime -> config" report="deploy -> runtime_config"/>
      <policy label="twin -> deploy_state" report="deploy -> deploy_state"/>
    </config>
    <route> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="deploy">
    <config ram="16M" caps="500">
      <trust user="gapstage"/> <parent-provides> <service name="LOG"/> </parent-provides>
    </config>
    <route>
      <service name="File_system"> <child name="lx_fs"/> </service> ${reports}
      <any-service> <parent/> </any-service>
    </route>
  </start>
  <start name="twin">
    <route> ${reports} <any-service> <parent/> </any-service> </route>
    <exit propagate="yes"/>
  </start>
  <start name="runtime" ram="20M" caps="600">
    <binary name="init"/>
    <route>
      <service name="ROM" label="config"> <child name="report_rom"/> </service>
      <service name="Report"> <child name="report_rom"/> </service>
      <any-service> <parent/> </any-service>
    </route>
  </start>
</config>`;

await hardenRealm();
const builtins = { init, timer: timerDriver, lx_fs: createLxFs({ base }), report_rom: reportRom, deploy, twin };
const loader = new BinaryLoader({ directory: base, depot: join(base, 'depot'), builtins });
const system = await boot(
  { init: 'init', binaries: loader.resolve, roms: new Map([['config', new TextEncoder().encode(config)]]) },
  { kernel: createHwKernel, clock: new VirtualClock(), log: console.log },
);
console.log('exit value', await system.exit);
rmSync(base, { recursive: true, force: true });
