import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desiredPatchTopic } from '@os/iothub';
import { type Hub, HubServiceClient, startHub } from '@os/hub';
import { afterEach, describe, expect, it } from 'vitest';
import { type MqttRelay, startRelay } from './mqtt-relay.js';
import { kernel, startTwinSystem, type TwinSystem } from './twin-system.js';

const DEVICE = 'gw-1';
const HTTP_SERVER = { start: { name: 'http_server', pkg: 'gapstage/pkg/http_server/2023-01-01' } };
const MQTT_BRIDGE = { start: { name: 'mqtt_bridge', pkg: 'gapstage/pkg/mqtt_bridge/2023-01-01' } };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface TestHub {
  readonly hub: Hub;
  readonly service: HubServiceClient;
  readonly dataDir: string;
  /** Stops the hub (once). */
  close(): Promise<void>;
}

async function hubAt(dataDir: string, port = 0): Promise<TestHub> {
  const hub = await startHub({ port, httpsPort: 0, dataDir, host: '127.0.0.1' });
  let closed: Promise<void> | undefined;
  return {
    hub,
    service: new HubServiceClient(hub.serviceConnectionString, hub.ca),
    dataDir,
    close: () => (closed ??= hub.close()),
  };
}

/** A hub on a free port with a new data directory and the device registered; stopped after the test. */
async function testHub(): Promise<TestHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'os-twin-test-'));
  const test = await hubAt(dataDir);
  cleanups.push(async () => {
    await test.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await test.service.addDevice(DEVICE);
  return test;
}

/** The twin's connection string: the hub's, with `GatewayHostName` when it connects through a relay. */
function connectionString(test: TestHub, relay?: MqttRelay): string {
  const text = test.hub.deviceConnectionString(DEVICE) as string;
  return relay === undefined ? text : `${text};GatewayHostName=localhost:${relay.port}`;
}

async function twinSystem(test: TestHub, connection: string, port: number, twinContent?: string): Promise<TwinSystem> {
  const system = await startTwinSystem({
    twinConfig: `connection_string="${connection}" retry_initial_ms="50" retry_max_ms="400" verbose="yes"`,
    ca: test.hub.ca,
    allow: { host: 'localhost', port },
    ...(twinContent === undefined ? {} : { twinContent }),
  });
  cleanups.push(() => system.stop());
  return system;
}

async function reportedDynamic(test: TestHub): Promise<Record<string, unknown> | undefined> {
  const twin = (await test.service.getTwin(DEVICE)) as {
    properties: { reported: { dynamic?: Record<string, unknown> } };
  };
  return twin.properties.reported.dynamic;
}

async function reportedDeploy(test: TestHub): Promise<unknown> {
  return (await reportedDynamic(test))?.['deploy'];
}

describe(`the twin component against the hub, on ${kernel.name}`, () => {
  it('GETs the twin on connect, then reports each desired patch made through the service API', async () => {
    const test = await testHub();
    await test.service.patchDesired(DEVICE, { dynamic: { deploy: [HTTP_SERVER] } });
    const system = await twinSystem(test, connectionString(test), test.hub.port);
    await system.line(`[init -> twin] connected to localhost:${test.hub.port} as device ${DEVICE}`);
    await system.line('[init -> viewer] desired {"$version":2');
    expect(system.desired()).toEqual([{ $version: 2, deploy: [HTTP_SERVER] }]);

    await test.service.patchDesired(DEVICE, { dynamic: { deploy: [HTTP_SERVER, MQTT_BRIDGE] } });
    await system.line('[init -> viewer] desired {"$version":3');
    await test.service.patchDesired(DEVICE, { rate: 5 });
    await system.line('[init -> viewer] desired {"$version":4');
    await test.service.patchDesired(DEVICE, { dynamic: null });
    await system.line('[init -> viewer] desired {"$version":5');
    expect(system.desired()).toEqual([
      { $version: 2, deploy: [HTTP_SERVER] },
      { $version: 3, deploy: [HTTP_SERVER, MQTT_BRIDGE] },
      { $version: 4, deploy: [HTTP_SERVER, MQTT_BRIDGE] },
      { $version: 5 },
    ]);
  });

  it('patches deploy_state into properties.reported.dynamic.deploy, acknowledged 204, deleting what went', async () => {
    const test = await testHub();
    const system = await twinSystem(test, connectionString(test), test.hub.port);
    await system.line('[init -> viewer] desired {"$version":1}');
    const deploying = {
      desiredVersion: 1,
      status: 'deploying',
      components: {
        http_server: { pkg: HTTP_SERVER.start.pkg, state: 'downloading', restarts: 0 },
        mqtt_bridge: { pkg: MQTT_BRIDGE.start.pkg, state: 'verifying', restarts: 0 },
      },
    };
    system.reportState(JSON.stringify(deploying));
    await system.line('[init -> twin] reported deploy_state (reported $version 2)');
    expect(await reportedDeploy(test)).toEqual(deploying);

    const converged = {
      desiredVersion: 1,
      status: 'converged',
      components: { http_server: { pkg: HTTP_SERVER.start.pkg, state: 'running', restarts: 1 } },
    };
    system.reportState(JSON.stringify(converged));
    await system.line('[init -> twin] reported deploy_state (reported $version 3)');
    expect(await reportedDeploy(test)).toEqual(converged);
  });

  it('patches each <reported> ROM into its member of dynamic beside deploy; one holding no object is not', async () => {
    const test = await testHub();
    const reported = '<reported rom="telemetry_state" property="telemetry"/>';
    const system = await twinSystem(test, connectionString(test), test.hub.port, reported);
    await system.line('[init -> viewer] desired {"$version":1}');
    const telemetry = { robot1: { forwarded: 3, queued: 0, dropped: 0, upstreamConnected: true } };
    system.reportState(JSON.stringify(telemetry), 'telemetry_state');
    await system.line('[init -> twin] reported telemetry_state (reported $version 2)');
    expect(await reportedDynamic(test)).toEqual({ telemetry });

    const deploy = { desiredVersion: 1, status: 'converged', components: {} };
    system.reportState(JSON.stringify(deploy));
    await system.line('[init -> twin] reported deploy_state (reported $version 3)');
    expect(await reportedDynamic(test)).toEqual({ deploy, telemetry });

    const later = { robot1: { forwarded: 9, queued: 1, dropped: 0, upstreamConnected: false } };
    system.reportState(JSON.stringify(later), 'telemetry_state');
    await system.line('[init -> twin] reported telemetry_state (reported $version 4)');
    expect(await reportedDynamic(test)).toEqual({ deploy, telemetry: later });
    system.reportState('[1, 2]', 'telemetry_state');
    await system.line('[init -> twin] Error: telemetry_state is no JSON object ([1, 2]); it is not reported');
  });

  it('logs a reported patch the hub refuses (400) with its reason, and reports the next state', async () => {
    const test = await testHub();
    const system = await twinSystem(test, connectionString(test), test.hub.port);
    await system.line('[init -> viewer] desired {"$version":1}');
    system.reportState(JSON.stringify({ status: 'failed', components: { 'bad key': { state: 'failed' } } }));
    const refusal = await system.line('[init -> twin] Error: the hub refused the reported patch (400)');
    expect(refusal).toContain('properties.reported.dynamic.deploy.components: key "bad key" holds " "');

    const reason = 'x'.repeat(4000);
    const big = Object.fromEntries([...'abcdefghi'].map((name) => [name, { state: 'failed', reason }]));
    const mark = system.lines.length;
    system.reportState(JSON.stringify({ status: 'failed', components: big }));
    const tooBig = await system.line('[init -> twin] Error: the hub refused the reported patch (400)', mark);
    expect(tooBig).toMatch(/properties\.reported: \d+ bytes, over IoT Hub's limit of 32768 bytes/);
    expect(await reportedDeploy(test)).toBeUndefined();

    system.reportState(JSON.stringify({ status: 'converged', components: {} }));
    await system.line('[init -> twin] reported deploy_state');
    expect(await reportedDeploy(test)).toEqual({ status: 'converged', components: {} });
  });

  it('drops a desired notification whose $version is not newer than the one it holds', async () => {
    const test = await testHub();
    await test.service.patchDesired(DEVICE, { dynamic: { deploy: [HTTP_SERVER] } });
    const relay = await startRelay(test.hub.port, test.dataDir);
    cleanups.push(() => relay.close());
    const system = await twinSystem(test, connectionString(test, relay), relay.port);
    await system.line('[init -> viewer] desired {"$version":2');

    const stale = JSON.stringify({ dynamic: { deploy: [MQTT_BRIDGE] }, $version: 2 });
    relay.inject(desiredPatchTopic(2), stale);
    await system.line('[init -> twin] ignored desired patch $version 2: not newer than $version 2');
    relay.inject(desiredPatchTopic(1), JSON.stringify({ dynamic: null, $version: 1 }));
    await system.line('[init -> twin] ignored desired patch $version 1: not newer than $version 2');

    await test.service.patchDesired(DEVICE, { rate: 5 });
    await system.line('[init -> viewer] desired {"$version":3');
    expect(system.desired()).toEqual([
      { $version: 2, deploy: [HTTP_SERVER] },
      { $version: 3, deploy: [HTTP_SERVER] },
    ]);
  });

  it("reports a desired document that breaks IoT Hub's rules as invalid, and recovers", async () => {
    const test = await testHub();
    const relay = await startRelay(test.hub.port, test.dataDir);
    cleanups.push(() => relay.close());
    const system = await twinSystem(test, connectionString(test, relay), relay.port);
    await system.line('[init -> viewer] desired {"$version":1}');

    // what the hub itself refuses to store, sent as if it had: over 32 KB, too deep, no JSON
    const sent = async (topic: string, payload: string, seen: string): Promise<void> => {
      const mark = system.lines.length;
      relay.inject(topic, payload);
      await system.line(seen, mark);
    };
    const big = Object.fromEntries([...'abcdefghi'].map((name) => [name, 'x'.repeat(4000)]));
    await sent(desiredPatchTopic(2), JSON.stringify({ big, $version: 2 }), 'desired {"$version":2,"invalid"');
    const fixed = JSON.stringify({ big: null, dynamic: { deploy: [HTTP_SERVER] }, $version: 3 });
    await sent(desiredPatchTopic(3), fixed, 'desired {"$version":3,"deploy"');
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 11; level++) deep = { [`d${level}`]: deep };
    await sent(desiredPatchTopic(4), JSON.stringify({ deep, $version: 4 }), 'desired {"$version":4,"invalid"');
    // the document held is broken now: the next notification makes it GET the whole twin, which the hub holds at 1
    await sent(desiredPatchTopic(5), JSON.stringify({ rate: 1, $version: 5 }), 'desired {"$version":1}');
    expect(system.lines).toContainEqual(expect.stringContaining('[init -> twin] GET of the whole twin again'));
    await sent(desiredPatchTopic(2), 'not json', 'desired {"$version":2,"invalid"');

    const fourth = system.desired()[3] as { invalid?: string };
    expect(system.desired()).toEqual([
      { $version: 1 },
      {
        $version: 2,
        invalid: expect.stringMatching(/^properties\.desired: \d+ bytes, over IoT Hub's limit of 32768 bytes$/),
      },
      { $version: 3, deploy: [HTTP_SERVER] },
      { $version: 4, invalid: expect.any(String) },
      { $version: 1 },
      { $version: 2, invalid: 'the desired patch at $version 2 is no JSON object' },
    ]);
    expect(fourth.invalid).toMatch(/^properties\.desired\.deep(\.d\d+)+: objects nest deeper than 10 levels$/);
  });

  it('picks up a desired patch made while it was disconnected from the GET after it reconnects', async () => {
    const test = await testHub();
    const port = test.hub.port;
    await test.service.patchDesired(DEVICE, { dynamic: { deploy: [HTTP_SERVER] } });
    const system = await twinSystem(test, connectionString(test), port);
    await system.line('[init -> viewer] desired {"$version":2');

    await test.close();
    await system.line(`[init -> twin] Warning: disconnected from localhost:${port}`);
    // the twin cannot reach this one: net lets it connect to the first port only
    const elsewhere = await hubAt(test.dataDir);
    await elsewhere.service.patchDesired(DEVICE, { dynamic: { deploy: [HTTP_SERVER, MQTT_BRIDGE] } });
    await elsewhere.close();
    const mark = system.lines.length;
    const again = await hubAt(test.dataDir, port);
    cleanups.push(() => again.close());
    await system.line(`[init -> twin] connected to localhost:${port}`, mark);
    await system.line('[init -> viewer] desired {"$version":3');
    expect(system.desired()).toEqual([
      { $version: 2, deploy: [HTTP_SERVER] },
      { $version: 3, deploy: [HTTP_SERVER, MQTT_BRIDGE] },
    ]);
  });

  it('renews its SAS token before it expires by connecting again, and goes on following the twin', async () => {
    const test = await testHub();
    const connection = connectionString(test);
    const system = await startTwinSystem({
      twinConfig: `connection_string="${connection}" token_lifetime_s="5" retry_initial_ms="50"`,
      ca: test.hub.ca,
      allow: { host: 'localhost', port: test.hub.port },
    });
    cleanups.push(() => system.stop());
    await system.line('[init -> viewer] desired {"$version":1}');
    const renewal = await system.line(
      `[init -> twin] renewing the SAS token: reconnecting to localhost:${test.hub.port}`,
    );
    const after = system.lines.indexOf(renewal);
    await system.line(`[init -> twin] connected to localhost:${test.hub.port} as device ${DEVICE}`, after);
    await test.service.patchDesired(DEVICE, { dynamic: { deploy: [HTTP_SERVER] } });
    await system.line('[init -> viewer] desired {"$version":2', after);
  });

  it('cannot connect anywhere but the hub: net refuses, and the twin keeps trying with backoff', async () => {
    const test = await testHub();
    const other = test.hub.port === 1 ? 2 : test.hub.port - 1;
    const connection = `${connectionString(test)};GatewayHostName=localhost:${other}`;
    const system = await twinSystem(test, connection, test.hub.port);
    const refused = await system.line(`[init -> twin] Warning: cannot connect to localhost:${other}: PolicyDenied`);
    expect(refused).toMatch(/retry 1 in \d+ ms/);
    await system.line(`[init -> net] Warning: denied connect of "twin" to localhost:${other}`);
    const next = system.lines.indexOf(refused) + 1;
    await system.line(`[init -> twin] Warning: cannot connect to localhost:${other}: PolicyDenied`, next);
    expect(system.lines.filter((line) => line.includes('connected to'))).toEqual([]);
  });
});
