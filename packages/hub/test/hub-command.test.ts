import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hubCommand } from '../src/index.js';
import { createRequire } from 'node:module';
import { deviceClient, startTestHub, until } from './hub-fixture.js';

const require = createRequire(import.meta.url);
const { Message } = require('azure-iot-device') as typeof import('azure-iot-device');

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'os-hub-command-'));
  dirs.push(dir);
  return dir;
}

function capture(): {
  stdout: string[];
  stderr: string[];
  io: { stdout: (l: string) => void; stderr: (l: string) => void };
} {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, io: { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) } };
}

describe('hubCommand', () => {
  it('refuses to start on a port in use, with exit 1 and the reason, and leaves no hub.json', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const data = scratch();
    const out = capture();
    try {
      expect(await hubCommand(['start'], { port, httpsPort: 0, data }, { ...out.io, stopped: Promise.resolve() })).toBe(
        1,
      );
    } finally {
      taken.close();
    }
    expect(out.stdout).toEqual([]);
    expect(out.stderr.join('\n')).toMatch(/cannot listen on 127\.0\.0\.1.*EADDRINUSE.*choose other ports/);
  });

  it('reads a patch from standard input and refuses one that is not a JSON object', async () => {
    const test = await startTestHub();
    try {
      await test.addDevice('piped');
      const good = capture();
      const stdin = [Buffer.from('{"properties":{"desired":{"a":'), Buffer.from('1}}}')];
      expect(await hubCommand(['twin', 'patch', 'piped', '-'], { data: test.dataDir }, { ...good.io, stdin })).toBe(0);
      expect(JSON.parse(good.stdout.join('\n')).properties.desired).toMatchObject({ a: 1, $version: 2 });
      const bad = capture();
      const array = [Buffer.from('[1]')];
      expect(
        await hubCommand(['twin', 'patch', 'piped', '-'], { data: test.dataDir }, { ...bad.io, stdin: array }),
      ).toBe(1);
      expect(bad.stderr).toEqual(['os hub: standard input is not a JSON object']);
      const missing = capture();
      const code = await hubCommand(
        ['twin', 'patch', 'piped', join(test.dataDir, 'none.json')],
        { data: test.dataDir },
        missing.io,
      );
      expect(code).toBe(1);
      expect(missing.stderr.join('')).toMatch(/none\.json.*give an existing file, or - for standard input/);
    } finally {
      await test.stop();
    }
  });

  it('refuses to start a second hub on the same data directory while the first runs', async () => {
    const test = await startTestHub();
    try {
      // another live process's pid stands for another hub in hub.json
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
      const state = join(test.dataDir, 'hub.json');
      writeFileSync(state, JSON.stringify({ ...JSON.parse(readFileSync(state, 'utf8')), pid: sleeper.pid }));
      const out = capture();
      const code = await hubCommand(['start'], { port: 0, httpsPort: 0, data: test.dataDir }, out.io);
      sleeper.kill();
      expect(code).toBe(1);
      expect(out.stderr.join('')).toMatch(new RegExp(`a hub \\(process ${sleeper.pid}\\) already runs`));
    } finally {
      await test.stop();
    }
  });

  it('invokes a direct method, printing status and payload; device add of a known device prints it', async () => {
    const test = await startTestHub();
    try {
      const first = capture();
      expect(await hubCommand(['device', 'add', 'robot'], { data: test.dataDir }, first.io)).toBe(0);
      const again = capture();
      expect(await hubCommand(['device', 'add', 'robot'], { data: test.dataDir }, again.io)).toBe(0);
      expect(again.stdout).toEqual(first.stdout);
      expect(again.stderr).toEqual(['os hub: device robot exists already; its connection string:']);
      const client = await deviceClient(first.stdout[0] ?? '', test.hub.ca);
      await client.open();
      try {
        client.onDeviceMethod('runWorkflow', (request, response) => {
          response.send(201, { ran: request.payload }, () => {});
        });
        const out = capture();
        const args = ['invoke', 'robot', 'runWorkflow', '{"name":"weld"}'];
        expect(await hubCommand(args, { data: test.dataDir }, out.io)).toBe(0);
        expect(out.stdout).toEqual(['status: 201', 'payload: {"ran":{"name":"weld"}}']);
      } finally {
        await client.close();
      }
      const offline = capture();
      expect(await hubCommand(['invoke', 'robot', 'runWorkflow'], { data: test.dataDir }, offline.io)).toBe(1);
      expect(offline.stderr.join('')).toMatch(/404 DeviceNotOnline/);
    } finally {
      await test.stop();
    }
  });

  it('device add --edge and --parent make a gateway and its child; a parent must be an edge device', async () => {
    const test = await startTestHub();
    try {
      const gateway = capture();
      expect(await hubCommand(['device', 'add', 'gw'], { data: test.dataDir, edge: true }, gateway.io)).toBe(0);
      const child = capture();
      expect(await hubCommand(['device', 'add', 'robot'], { data: test.dataDir, parent: 'gw' }, child.io)).toBe(0);
      expect(child.stdout).toEqual([test.hub.deviceConnectionString('robot')]);
      const scope = (await test.service.getDevice('gw'))['deviceScope'];
      expect((await test.service.getDevice('robot'))['parentScopes']).toEqual([scope]);
      const plain = capture();
      expect(await hubCommand(['device', 'add', 'plain'], { data: test.dataDir }, plain.io)).toBe(0);
      const refused = capture();
      expect(await hubCommand(['device', 'add', 'r2'], { data: test.dataDir, parent: 'plain' }, refused.io)).toBe(1);
      expect(refused.stderr).toEqual([
        'os hub: device plain is not an IoT Edge device and cannot be a parent: ' +
          'add it with --edge (capabilities.iotEdge) first',
      ]);
      const missing = capture();
      expect(await hubCommand(['device', 'add', 'r3'], { data: test.dataDir, parent: 'none' }, missing.io)).toBe(1);
      expect(missing.stderr.join('')).toMatch(/GET \/devices\/none: 404 DeviceNotFound/);
      // an existing device gets the parent it is given, as az iot hub device-identity parent set does
      const moved = capture();
      expect(await hubCommand(['device', 'add', 'plain'], { data: test.dataDir, parent: 'gw' }, moved.io)).toBe(0);
      expect(moved.stdout).toEqual(plain.stdout);
      expect((await test.service.getDevice('plain'))['deviceScope']).toBe(scope);
    } finally {
      await test.stop();
    }
  });

  it('invoke waits up to --connect-timeout for the device; 404 DeviceNotOnline when it stays away', async () => {
    const test = await startTestHub();
    try {
      const connectionString = await test.addDevice('late');
      const waiting = capture();
      const invoked = hubCommand(
        ['invoke', 'late', 'runWorkflow', '{"name":"paint"}'],
        {
          data: test.dataDir,
          connectTimeout: 30,
        },
        waiting.io,
      );
      const client = await deviceClient(connectionString, test.hub.ca);
      client.onDeviceMethod('runWorkflow', (request, response) => {
        response.send(200, { workflow: (request.payload as { name: string }).name, id: 7 }, () => {});
      });
      await client.open();
      try {
        expect(await invoked).toBe(0);
        expect(waiting.stdout).toEqual(['status: 200', 'payload: {"workflow":"paint","id":7}']);
      } finally {
        await client.close();
      }
      const away = capture();
      const code = await hubCommand(
        ['invoke', 'late', 'runWorkflow'],
        { data: test.dataDir, connectTimeout: 1 },
        away.io,
      );
      expect(code).toBe(1);
      expect(away.stdout).toEqual([]);
      expect(away.stderr.join('')).toMatch(/^os hub: POST \/twins\/late\/methods: 404 DeviceNotOnline: /);
    } finally {
      await test.stop();
    }
  });

  it('monitor prints each message as one JSON line until stopped, and says why when the hub refuses', async () => {
    const test = await startTestHub();
    try {
      const connectionString = await test.addDevice('talker');
      await test.addDevice('quiet');
      let stop = (): void => {};
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const out = capture();
      const running = hubCommand(['monitor'], { data: test.dataDir, device: 'talker' }, { ...out.io, stopped });
      await until(() => out.stderr.length > 0, 'the monitor to open');
      expect(out.stderr).toEqual(['os hub: monitoring the telemetry of device talker; SIGINT (Ctrl-C) ends']);
      const client = await deviceClient(connectionString, test.hub.ca);
      await client.open();
      try {
        const message = new Message('{"counter":1,"at":"2024-01-01T00:00:00Z"}');
        message.messageId = 'id-1';
        message.contentType = 'application/json';
        message.properties.add('line', 'a');
        await client.sendEvent(message);
        await until(() => out.stdout.length === 1, 'the line');
      } finally {
        await client.close();
      }
      stop();
      expect(await running).toBe(0);
      const line = JSON.parse(out.stdout[0] ?? '');
      expect(Object.keys(line)).toEqual(['deviceId', 'enqueuedTime', 'body', 'properties', 'systemProperties']);
      expect(line).toMatchObject({
        deviceId: 'talker',
        body: { counter: 1, at: '2024-01-01T00:00:00Z' },
        properties: { line: 'a' },
        systemProperties: { messageId: 'id-1', contentType: 'application/json' },
      });
      expect(Date.parse(line.enqueuedTime)).not.toBeNaN();
      const unknown = capture();
      const never = new Promise<void>(() => {});
      expect(
        await hubCommand(['monitor'], { data: test.dataDir, device: 'nobody' }, { ...unknown.io, stopped: never }),
      ).toBe(1);
      expect(unknown.stderr.join('')).toMatch(/GET \/messages\/events\?deviceId=nobody: 404 DeviceNotFound/);
    } finally {
      await test.stop();
    }
  });
});
