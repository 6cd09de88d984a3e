import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceClient, until } from './hub-fixture.js';

const OS = resolve(fileURLToPath(import.meta.url), '../../../cli/dist/main.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `os hub <args>` as a process, with `input` on its standard input. */
function os(args: readonly string[], input?: string): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [OS, 'hub', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

let dataDir: string;
let hub: ChildProcess;
let banner: string[];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'os-hub-cli-'));
  hub = spawn(process.execPath, [OS, 'hub', 'start', '--port', '0', '--https-port', '0', '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  hub.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await until(() => out.split('\n').length > 3 || hub.exitCode !== null, 'the hub banner');
  banner = out.trimEnd().split('\n');
});

afterAll(() => {
  if (hub.exitCode === null) hub.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('os hub', () => {
  it('start prints the device endpoint, the service connection string and the CA path, one per line', () => {
    expect(banner).toHaveLength(3);
    expect(banner[0]).toMatch(/^device endpoint: mqtts:\/\/localhost:\d+$/);
    const policy = 'SharedAccessKeyName=iothubowner;SharedAccessKey=[A-Za-z0-9+/]{43}=';
    expect(banner[1]).toMatch(new RegExp(`^service connection string: HostName=localhost:\\d+;${policy}$`));
    expect(banner[2]).toBe(`CA certificate: ${join(dataDir, 'ca.pem')}`);
  });

  it('device add prints a connection string the device SDK connects with; twin patch reaches the device', async () => {
    const added = await os(['device', 'add', 'robot-1', '--data', dataDir]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const port = /localhost:(\d+)$/.exec(banner[0] ?? '')?.[1];
    expect(added.stdout).toMatch(
      new RegExp(`^HostName=localhost:${port};DeviceId=robot-1;SharedAccessKey=[A-Za-z0-9+/]{43}=\\n$`),
    );
    const client = await deviceClient(added.stdout.trim(), join(dataDir, 'ca.pem'));
    await client.open();
    try {
      const twin = await client.getTwin();
      const seen: unknown[] = [];
      twin.on('properties.desired', (patch: unknown) => seen.push(structuredClone(patch)));
      const file = join(dataDir, 'patch.json');
      writeFileSync(
        file,
        JSON.stringify({ dynamic: { deploy: [{ start: { name: 'http_server', pkg: 'u/pkg/h/1' } }] } }),
      );
      expect(await os(['twin', 'patch', 'robot-1', file, '--data', dataDir])).toMatchObject({ code: 0, stderr: '' });
      const piped = await os(
        ['twin', 'patch', 'robot-1', '-', '--data', dataDir],
        '{"properties":{"desired":{"rate":2}}}',
      );
      expect(piped).toMatchObject({ code: 0, stderr: '' });
      await until(() => seen.some((patch) => (patch as { rate?: number }).rate === 2), 'the piped patch');
      // the SDK first hands over the desired properties it read, then each patch
      expect(seen.find((patch) => (patch as { $version?: number }).$version === 2)).toMatchObject({
        dynamic: { deploy: [{ start: { name: 'http_server' } }] },
      });
      const got = await os(['twin', 'get', 'robot-1', '--data', dataDir]);
      expect(got.code).toBe(0);
      const shown = JSON.parse(got.stdout);
      expect(shown).toMatchObject({ deviceId: 'robot-1', connectionState: 'Connected' });
      expect(shown.properties.desired).toMatchObject({ rate: 2, $version: 3 });
    } finally {
      await client.close();
    }
  });

  it('says what is wrong, with exit 1, for an unknown device, a bad patch and a missing subcommand', async () => {
    const unknown = await os(['twin', 'get', 'nobody', '--data', dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/DeviceNotFound/);
    const bad = await os(['twin', 'patch', 'robot-1', '-', '--data', dataDir], '{"a.b": 1}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/400 ArgumentInvalid.*a\.b/);
    const missing = await os(['twin', '--data', dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/os hub twin get ID/);
  });

  it('device add --edge and --parent relate devices; monitor prints JSON lines until SIGINT, exit 0', async () => {
    expect(await os(['device', 'add', 'gw-1', '--edge', '--data', dataDir])).toMatchObject({ code: 0, stderr: '' });
    const child = await os(['device', 'add', 'robot-2', '--parent', 'gw-1', '--data', dataDir]);
    expect(child).toMatchObject({ code: 0, stderr: '' });
    const monitor = spawn(process.execPath, [OS, 'hub', 'monitor', '--device', 'robot-2', '--data', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    monitor.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    monitor.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => monitor.once('exit', (code) => done(code)));
    await until(() => err.includes('monitoring') || monitor.exitCode !== null, 'the monitor to open');
    expect(err).toBe('os hub: monitoring the telemetry of device robot-2; SIGINT (Ctrl-C) ends\n');
    const client = await deviceClient(child.stdout.trim(), join(dataDir, 'ca.pem'));
    await client.open();
    try {
      const { Message } = await import('azure-iot-device');
      for (const n of [1, 2]) await client.sendEvent(new Message(JSON.stringify({ n })));
      await until(() => out.split('\n').length > 2, 'two lines');
    } finally {
      await client.close();
    }
    monitor.kill('SIGINT');
    expect(await exited).toBe(0);
    const lines = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.deviceId, line.body])).toEqual([
      ['robot-2', { n: 1 }],
      ['robot-2', { n: 2 }],
    ]);
  });

  it('stops on SIGTERM with exit 0, after which the subcommands say no hub is running', async () => {
    const exited = new Promise<number | null>((done) => hub.once('exit', (code) => done(code)));
    hub.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'hub.json'))).toBe(false);
    const after = await os(['device', 'add', 'late', '--data', dataDir]);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/no hub is running with data directory/);
  });
});
