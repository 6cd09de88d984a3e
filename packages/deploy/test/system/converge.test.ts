import { generateDepotKeyPair, readPrivateKey, signBytes } from '@os/depot';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeployState } from '../../src/index.js';
import { GREETER, linesOf, runDeploy, runtimeChildren, testDepot } from '../fixture.js';

const kernel = kernelUnderTest().name;
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

const HTTP_SERVER = { start: { name: 'http_server', pkg: 'gapstage/pkg/http_server/2023-01-01' } };
const MQTT_BRIDGE = { start: { name: 'mqtt_bridge', pkg: 'gapstage/pkg/mqtt_bridge/2023-02-01' } };
const UNPUBLISHED = 'gapstage/pkg/http_server/2099-01-01';
const UPGRADE = 'gapstage/pkg/http_server/2023-06-01';
const figure7 = (version: number) => ({ $version: version, deploy: [HTTP_SERVER, MQTT_BRIDGE] });
const running = (pkg: string) => ({ pkg, state: 'running', restarts: 0 });
const idOf = (report: string | undefined, name: string) =>
  runtimeChildren(report ?? '').find((child) => child.name === name)?.id;

describe(`deploy on ${kernel}`, () => {
  it('converges, changes keeping what stays, removes all, redeploys, and refuses bad input alone', async () => {
    const depot = testDepot((cleanup) => cleanups.push(cleanup));
    await depot.publish('http_server', '2023-01-01');
    await depot.publish('mqtt_bridge', '2023-02-01');
    await depot.publish('sensor', '2023-03-01');
    await depot.publish('http_server', '2023-06-01', {}, `${GREETER}\n  await env.log('version 2023-06-01');`);
    await depot.publish('greedy', '2023-01-01', { ram: '64M' });
    await depot.publish('quitter', '2023-01-01', {}, 'await env.parent.exit(3);');
    await depot.publish('lost', '2023-01-01');
    depot.remove('gapstage/bin/js/lost/2023-01-01.tar.gz');
    await depot.publish('forged', '2023-01-01');
    const forger = readPrivateKey(generateDepotKeyPair().privateKey, 'forger.key');
    const forgedBin = join(depot.source, 'gapstage/bin/js/forged/2023-01-01.tar.gz');
    writeFileSync(`${forgedBin}.sig`, signBytes(new Uint8Array(readFileSync(forgedBin)), forger));
    depot.place({
      'gapstage/pkg/broken/2023-01-01/archives': 'gapstage/bin/js/broken/2023-01-01\n',
      'gapstage/pkg/broken/2023-01-01/runtime':
        '<runtime ram="1M" caps="50" binary="broken">\n<requires> <tmier/> </requires>\n</runtime>\n',
      'gapstage/bin/js/broken/2023-01-01/package.json': '{"name":"broken","osComponent":{"wire":1}}',
    });
    const bad = [
      { start: { name: 'nopkg' } },
      { start: { name: 'badpath', pkg: 'gapstage/pkg/../2023-01-01' } },
      { start: { name: 'stranger', pkg: 'mallory/pkg/http_server/2023-01-01' } },
      { start: { name: 'lost', pkg: 'gapstage/pkg/lost/2023-01-01' } },
      { start: { name: 'forged', pkg: 'gapstage/pkg/forged/2023-01-01' } },
      { start: { name: 'broken', pkg: 'gapstage/pkg/broken/2023-01-01' } },
      { start: { name: 'greedy', pkg: 'gapstage/pkg/greedy/2023-01-01' } },
      { start: { name: 'quitter', pkg: 'gapstage/pkg/quitter/2023-01-01' } },
    ];
    const invalid = { $version: 6, invalid: 'the desired properties are 40960 bytes, more than 32 KB' };

    const run = await runDeploy(depot, (system) => [
      { desired: figure7(1) },
      {
        desired: {
          $version: 2,
          deploy: [
            { start: { name: 'sensor', pkg: 'gapstage/pkg/sensor/2023-03-01', config: '<config greeting="hi"/>' } },
            HTTP_SERVER,
          ],
        },
      },
      { desired: { $version: 3, deploy: [] } },
      { desired: figure7(4) },
      { desired: { $version: 5, deploy: [HTTP_SERVER, ...bad, MQTT_BRIDGE] } },
      { desired: invalid, until: (state: DeployState) => state.desiredVersion === 6 },
      { desired: figure7(7) },
      { desired: { $version: 8, deploy: [{ start: { ...HTTP_SERVER.start, pkg: UNPUBLISHED } }, MQTT_BRIDGE] } },
      { desired: { $version: 9, deploy: [{ start: { ...HTTP_SERVER.start, pkg: UPGRADE } }, MQTT_BRIDGE] } },
      {
        before: () => system.restartDeploy(),
        desired: { $version: 10, deploy: [{ start: { ...HTTP_SERVER.start, pkg: UPGRADE } }, MQTT_BRIDGE] },
      },
    ]);
    expect(run.exit, run.lines.join('\n')).toBe(0);
    const [converged, changed, removed, redeployed, refused, untouched, recovered, pending, upgraded, restarted] =
      run.results;

    // Figure 7: both downloaded, verified, extracted, started
    expect(converged?.state).toEqual({
      desiredVersion: 1,
      status: 'converged',
      components: {
        http_server: running('gapstage/pkg/http_server/2023-01-01'),
        mqtt_bridge: running('gapstage/pkg/mqtt_bridge/2023-02-01'),
      },
    });
    expect(runtimeChildren(converged?.runtime ?? '').map((child) => child.binary)).toEqual([
      'gapstage/bin/js/http_server/2023-01-01',
      'gapstage/bin/js/mqtt_bridge/2023-02-01',
    ]);
    expect(converged?.installation).toBe('<installation arch="js">\n</installation>\n');
    expect(linesOf(run.lines, 'runtime -> mqtt_bridge')[0]).toBe('mqtt_bridge started, greeting none');

    // one added (with its own config), one removed, one kept: the kept child is the same child, started once
    expect(changed?.state).toEqual({
      desiredVersion: 2,
      status: 'converged',
      components: {
        sensor: running('gapstage/pkg/sensor/2023-03-01'),
        http_server: running('gapstage/pkg/http_server/2023-01-01'),
      },
    });
    expect(runtimeChildren(changed?.runtime ?? '').map((child) => child.name)).toEqual(['sensor', 'http_server']);
    expect(idOf(changed?.runtime, 'http_server')).toBe(idOf(converged?.runtime, 'http_server'));
    expect(linesOf(run.lines, 'runtime -> sensor')).toEqual(['sensor started, greeting hi']);

    // remove all
    expect(removed?.state).toEqual({ desiredVersion: 3, status: 'converged', components: {} });
    expect(runtimeChildren(removed?.runtime ?? '')).toEqual([]);

    // redeploy: from the local depot, both in one config, nothing to download
    expect(redeployed?.state).toEqual({ ...converged?.state, desiredVersion: 4 });
    expect(linesOf(run.lines, 'deploy').filter((line) => line.startsWith('runtime config'))).toEqual([
      'runtime config 1, the first: none',
      'runtime config 2: start http_server',
      'runtime config 3: start mqtt_bridge',
      'runtime config 4: stop mqtt_bridge',
      'runtime config 5: start sensor',
      'runtime config 6: stop sensor, http_server',
      'runtime config 7: start http_server, mqtt_bridge',
      'runtime config 8: start quitter',
      'runtime config 9: stop quitter',
      'runtime config 10: start http_server',
      'runtime config 1, the first: http_server, mqtt_bridge',
    ]);
    // two starts of http_server 2023-01-01 in the whole run (v1 and this redeploy), then the upgrade's (v9)
    expect(linesOf(run.lines, 'runtime -> http_server')).toEqual([
      'http_server started, greeting none',
      'http_server started, greeting none',
      'http_server started, greeting none',
      'version 2023-06-01',
    ]);

    // bad input: each entry refused with its reason, the others untouched
    const components = refused?.state.components ?? {};
    expect(refused?.state.status).toBe('failed');
    expect(components.http_server).toEqual(running('gapstage/pkg/http_server/2023-01-01'));
    expect(components.mqtt_bridge).toEqual(running('gapstage/pkg/mqtt_bridge/2023-02-01'));
    for (const name of ['http_server', 'mqtt_bridge'])
      expect(idOf(refused?.runtime, name)).toBe(idOf(redeployed?.runtime, name));
    const reasons = Object.fromEntries(
      Object.entries(components).map(([name, component]) => [name, `${component.state}: ${component.reason ?? ''}`]),
    );
    expect(reasons).toMatchObject({
      nopkg: expect.stringMatching(/^failed: no "pkg": name the pkg to run/),
      badpath: expect.stringMatching(
        /^failed: archive path "gapstage\/pkg\/..\/2023-01-01" has "..", which is not a name/,
      ),
      stranger: expect.stringMatching(/^failed: user "mallory" is not trusted \(trusted: gapstage\)/),
      lost: expect.stringMatching(
        /^failed: download of gapstage\/pkg\/lost\/2023-01-01 failed: MissingArchive: .*lost\/2023-01-01 is missing/,
      ),
      forged: expect.stringMatching(/^failed: download of .* failed: BadSignature: .*does not verify with gapstage's/),
      broken: expect.stringMatching(
        /^failed: RuntimeFileError: .*broken\/2023-01-01\/runtime:2: <requires> has unknown service node <tmier> \(did/,
      ),
      greedy: expect.stringMatching(
        /^failed: needs 64M RAM and 100 caps, but the runtime has 18M RAM and 700 caps left of 24M and 1000; lower/,
      ),
      quitter: 'exited: exit value 3',
    });
    expect(components.nopkg).not.toHaveProperty('pkg');
    expect(runtimeChildren(refused?.runtime ?? '').map((child) => child.name)).toEqual([
      'http_server',
      'quitter',
      'mqtt_bridge',
    ]);
    expect(linesOf(run.lines, 'runtime -> greedy')).toEqual([]);

    // an invalid document changes nothing that runs, and says why
    expect(untouched?.state).toEqual({
      ...refused?.state,
      desiredVersion: 6,
      status: 'failed',
      reason:
        'the desired document is invalid: the desired properties are 40960 bytes, more than 32 KB; ' +
        'nothing of it was applied',
    });
    expect(runtimeChildren(untouched?.runtime ?? '')).toEqual(runtimeChildren(refused?.runtime ?? ''));

    // back to Figure 7: the refused entries are gone, the kept children never restarted
    expect(recovered?.state).toEqual({ ...converged?.state, desiredVersion: 7 });
    for (const name of ['http_server', 'mqtt_bridge'])
      expect(idOf(recovered?.runtime, name)).toBe(idOf(redeployed?.runtime, name));

    // a new pkg that cannot be had: the old one keeps running, and the state says so
    expect(pending?.state.status).toBe('failed');
    expect(pending?.state.components.http_server).toEqual({
      pkg: UNPUBLISHED,
      state: 'failed',
      reason: expect.stringMatching(
        new RegExp(
          '^download of gapstage/pkg/http_server/2099-01-01 failed: MissingArchive: .*; ' +
            'the component keeps running as before \\(gapstage/bin/js/http_server/2023-01-01\\)$',
        ),
      ),
      restarts: 0,
    });
    expect(idOf(pending?.runtime, 'http_server')).toBe(idOf(redeployed?.runtime, 'http_server'));

    // a new pkg that arrives: the child is replaced (a new id), its restarts count from 0
    expect(upgraded?.state).toEqual({
      desiredVersion: 9,
      status: 'converged',
      components: { http_server: running(UPGRADE), mqtt_bridge: running('gapstage/pkg/mqtt_bridge/2023-02-01') },
    });
    expect(runtimeChildren(upgraded?.runtime ?? '').find((child) => child.name === 'http_server')?.binary).toBe(
      'gapstage/bin/js/http_server/2023-06-01',
    );
    expect(idOf(upgraded?.runtime, 'http_server')).not.toBe(idOf(redeployed?.runtime, 'http_server'));
    expect(idOf(upgraded?.runtime, 'mqtt_bridge')).toBe(idOf(redeployed?.runtime, 'mqtt_bridge'));

    // deploy restarted: the runtime's children run on, untouched, and the new deploy reports the same state
    expect(restarted?.state).toEqual({ ...upgraded?.state, desiredVersion: 10 });
    expect(runtimeChildren(restarted?.runtime ?? '')).toEqual(runtimeChildren(upgraded?.runtime ?? ''));
  });

  it('counts the restarts of a component the runtime init restarts (a hung one), and no others', async () => {
    const depot = testDepot((cleanup) => cleanups.push(cleanup));
    await depot.publish('http_server', '2023-01-01');
    await depot.publish('stuck', '2023-01-01', {}, `${GREETER}\n  await new Promise(() => {});`);
    const config =
      '<config ram="24M" caps="1000"> <trust user="gapstage"/> ' +
      '<heartbeat rate_ms="100" restart_after_skipped="2"/> </config>';
    const run = await runDeploy(
      depot,
      [
        {
          desired: {
            $version: 1,
            deploy: [HTTP_SERVER, { start: { name: 'stuck', pkg: 'gapstage/pkg/stuck/2023-01-01' } }],
          },
          until: (state) => (state.components.stuck?.restarts ?? 0) >= 3,
        },
      ],
      { deployConfig: config },
    );
    expect(run.exit, run.lines.join('\n')).toBe(0);
    const state = run.results[0]?.state;
    expect(state?.components.http_server).toEqual(running('gapstage/pkg/http_server/2023-01-01'));
    expect(state?.components.stuck?.restarts).toBeGreaterThanOrEqual(3);
    expect(linesOf(run.lines, 'runtime -> http_server')).toEqual(['http_server started, greeting none']);
    expect(linesOf(run.lines, 'runtime -> stuck').length).toBeGreaterThanOrEqual(4);
    expect(run.lines).toContain('[init -> runtime] child "stuck" skipped 3 heartbeats: restarting it');
  });

  it('runs confined: loaded from its package into a compartment, it converges the same', async () => {
    const depot = testDepot((cleanup) => cleanups.push(cleanup));
    await depot.publish('http_server', '2023-01-01');
    await depot.publish('mqtt_bridge', '2023-02-01');
    const run = await runDeploy(depot, [{ desired: figure7(1) }, { desired: { $version: 2, deploy: [MQTT_BRIDGE] } }], {
      confined: true,
    });
    expect(run.exit, run.lines.join('\n')).toBe(0);
    expect(run.results.map((result) => result.state)).toEqual([
      {
        desiredVersion: 1,
        status: 'converged',
        components: {
          http_server: running('gapstage/pkg/http_server/2023-01-01'),
          mqtt_bridge: running('gapstage/pkg/mqtt_bridge/2023-02-01'),
        },
      },
      {
        desiredVersion: 2,
        status: 'converged',
        components: { mqtt_bridge: running('gapstage/pkg/mqtt_bridge/2023-02-01') },
      },
    ]);
    expect(idOf(run.results[1]?.runtime, 'mqtt_bridge')).toBe(idOf(run.results[0]?.runtime, 'mqtt_bridge'));
  });
});
