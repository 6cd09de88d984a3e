// The robots against a real hub on loopback: Microsoft's device SDK sending readings and answering runWorkflow,
// checked at the hub (what it stored, what its service API answers), in-process and as the command line.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Hub, HubRequestError, HubServiceClient, startHub } from '@os/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fleet, startFleet } from '../src/fleet.mjs';
import { MAX_WORKFLOW_NAME } from '../src/run-workflow.mjs';

const CLI = resolve(import.meta.dirname, '../robots.mjs');
let dataDir: string;
let hub: Hub;
let service: HubServiceClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'os-robots-')); // here, not at load: listing the tests leaves nothing behind
  hub = await startHub({ host: '127.0.0.1', port: 0, httpsPort: 0, dataDir });
  service = new HubServiceClient(hub.serviceConnectionString, hub.ca);
});

afterAll(async () => {
  await hub?.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

/** Waits until `ready()` holds (the test's own timeout bounds it). */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((done) => setTimeout(done, 20));
}

function fleetOf(prefix: string, count: number, rate: number, messages?: number): Promise<Fleet> {
  return startFleet({ count, rate, messages, prefix, hostName: `localhost:${hub.port}`, service, ca: hub.ca });
}

/** Checks that the hub holds exactly readings 1..n of `deviceId`, in order, each as the robot makes it. */
function expectReadings(deviceId: string, n: number, after: number): void {
  const received = hub.telemetry(deviceId);
  expect(received.map((message) => message.properties['seq'])).toEqual(
    Array.from({ length: n }, (_, index) => String(index + 1)),
  );
  let previous = after;
  for (const [index, message] of received.entries()) {
    const seq = index + 1;
    const body = JSON.parse(message.body.toString('utf8')) as { robot: string; seq: number; timestamp: string };
    expect(Object.keys(body)).toEqual(['robot', 'seq', 'timestamp']);
    expect(body.robot).toBe(deviceId);
    expect(body.seq).toBe(seq);
    const at = Date.parse(body.timestamp);
    expect(new Date(at).toISOString()).toBe(body.timestamp);
    expect(at).toBeGreaterThanOrEqual(previous); // made in order, after the test began
    previous = at;
    expect(message.properties).toEqual({ robot: deviceId, seq: String(seq) });
    expect(message.systemProperties).toEqual({
      messageId: `${deviceId}-${seq}`,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    });
  }
}

describe('robots on Microsoft device SDK against the hub', () => {
  it('5 robots at 20 msg/s: every reading arrives in order per device, body and properties as sent', async () => {
    const began = Date.now();
    const fleet = await fleetOf('floor', 5, 20, 40);
    try {
      await until(() => fleet.done);
    } finally {
      await fleet.stop();
    }
    expect(fleet.robots.map((robot) => robot.deviceId)).toEqual([
      'floor-1',
      'floor-2',
      'floor-3',
      'floor-4',
      'floor-5',
    ]);
    for (const robot of fleet.robots) {
      expect(robot.counts).toEqual({ sent: 40, acknowledged: 40, failed: 0, methods: 0 });
      expectReadings(robot.deviceId, 40, began);
    }
  });

  it('answers runWorkflow through the hub with the workflow, a fresh id and the robot', async () => {
    const fleet = await fleetOf('cell', 2, 5);
    try {
      const timeouts = { connectTimeoutInSeconds: 10, responseTimeoutInSeconds: 10 }; // methods subscribe after open
      const first = await service.invokeMethod('cell-1', 'runWorkflow', { workflow: 'weld-seam' }, timeouts);
      const second = await service.invokeMethod('cell-1', 'runWorkflow', { workflow: 'weld-seam' }, timeouts);
      const other = await service.invokeMethod('cell-2', 'runWorkflow', { workflow: 'paint', extra: [1] }, timeouts);
      expect(first).toEqual({
        status: 200,
        payload: { workflow: 'weld-seam', id: expect.stringMatching(/^[0-9a-f-]{36}$/), robot: 'cell-1' },
      });
      expect((second['payload'] as { id: string }).id).not.toBe((first['payload'] as { id: string }).id);
      expect(other).toMatchObject({ status: 200, payload: { workflow: 'paint', robot: 'cell-2' } });
      expect(fleet.robots.map((robot) => robot.counts.methods)).toEqual([2, 1]);
    } finally {
      await fleet.stop();
    }
  });

  it('answers 400 naming what is wrong for a payload without a usable workflow name', async () => {
    const fleet = await fleetOf('bad', 1, 1);
    try {
      const timeouts = { connectTimeoutInSeconds: 10, responseTimeoutInSeconds: 10 };
      const payloads = [
        null,
        {},
        { workflow: '' },
        { workflow: 7 },
        { workflow: ['a'] },
        { workflow: 'x'.repeat(MAX_WORKFLOW_NAME + 1) },
        'weld-seam',
        ['weld-seam'],
        42,
      ];
      for (const payload of payloads) {
        const answer = await service.invokeMethod('bad-1', 'runWorkflow', payload, timeouts);
        expect(answer['status'], JSON.stringify(payload)).toBe(400);
        expect((answer['payload'] as { error: string }).error).toMatch(/^runWorkflow on bad-1 needs the payload/);
      }
      const ok = await service.invokeMethod('bad-1', 'runWorkflow', { workflow: 'x'.repeat(MAX_WORKFLOW_NAME) });
      expect(ok['status']).toBe(200); // and it still works
      const unknown = await service
        .invokeMethod('bad-1', 'selfDestruct', {}, { responseTimeoutInSeconds: 5 })
        .catch((error: unknown) => error);
      expect((unknown as HubRequestError).status).toBe(504); // the SDK has no handler, so nobody answers
    } finally {
      await fleet.stop();
    }
  });

  it('with a parent registers the robots as children of that IoT Edge device, also robots that existed', async () => {
    const gateway = await service.addDevice('gw-1', { edge: true });
    await service.addDevice('child-2'); // registered before, without a parent
    const fleet = await startFleet({
      ...{ count: 2, rate: 20, messages: 3, prefix: 'child', parent: 'gw-1' },
      ...{ hostName: `localhost:${hub.port}`, service, ca: hub.ca },
    });
    try {
      await until(() => fleet.done);
    } finally {
      await fleet.stop();
    }
    expect(typeof gateway['deviceScope']).toBe('string');
    for (const id of ['child-1', 'child-2']) {
      const device = await service.getDevice(id);
      expect(device['deviceScope'], id).toBe(gateway['deviceScope']);
      expect(device['parentScopes'], id).toEqual([gateway['deviceScope']]);
      expectReadings(id, 3, 0);
    }
  });

  it('a stopped robot answers 404 DeviceNotOnline, not a timeout', async () => {
    const fleet = await fleetOf('gone', 1, 2);
    const timeouts = { connectTimeoutInSeconds: 10, responseTimeoutInSeconds: 5 };
    expect(await service.invokeMethod('gone-1', 'runWorkflow', { workflow: 'w' }, timeouts)).toMatchObject({
      status: 200,
    });
    await fleet.stop();
    const error = await service
      .invokeMethod('gone-1', 'runWorkflow', { workflow: 'w' }, { responseTimeoutInSeconds: 5 })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(HubRequestError);
    expect((error as HubRequestError).status).toBe(404);
    expect((error as HubRequestError).errorCode).toBe('DeviceNotOnline');
  });
});

/** Runs the command line to its end; its exit code and output lines. */
function robots(
  args: string[],
  onOutput?: (stdout: string, child: ChildProcess) => void,
): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      onOutput?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, lines: stdout.trimEnd().split('\n'), stderr }));
  });
}

/**
 * A stand-in for a gateway's listening port: a TCP relay on 127.0.0.1 to the hub's MQTT port, counting connections.
 * TLS passes through it, so the hub's certificate (SAN 127.0.0.1) is what the robots check.
 */
async function relay(to: number): Promise<{ close: () => Promise<void>; port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    const upstream = createConnection({ host: '127.0.0.1', port: to });
    for (const end of [socket, upstream]) {
      sockets.add(end);
      end.on('error', () => {
        socket.destroy();
        upstream.destroy();
      });
      end.on('close', () => sockets.delete(end));
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    connections: () => connections,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((closed) => server.close(() => closed()));
    },
  };
}

describe('robots.mjs', () => {
  it('runs a bounded fleet and prints the start line, then totals as one JSON line', async () => {
    const run = await robots([
      '--count',
      '2',
      '--rate',
      '20',
      '--hub-data',
      dataDir,
      '--messages',
      '30',
      '--prefix',
      'cli',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.lines[0]).toBe(`robots: 2 connected to localhost:${hub.port}, sending 20 msg/s each`);
    for (const line of run.lines.slice(1, -1)) {
      expect(line).toMatch(/^\d+s cli-1 sent=\d+ acked=\d+ failed=\d+; cli-2 sent=\d+ acked=\d+ failed=\d+$/);
    }
    expect(run.lines.length).toBeGreaterThanOrEqual(3); // the last reading is due 1.45 s after the start
    const counts = { sent: 30, acknowledged: 30, failed: 0, methods: 0 };
    expect(JSON.parse(run.lines.at(-1) ?? '')).toEqual({
      stopped: 'messages',
      seconds: expect.any(Number),
      sent: 60,
      acknowledged: 60,
      failed: 0,
      methods: 0,
      robots: { 'cli-1': counts, 'cli-2': counts },
    });
    expectReadings('cli-1', 30, 0);
    expectReadings('cli-2', 30, 0);
  });

  it('on SIGTERM closes every client and prints the totals; all acknowledged readings are at the hub', async () => {
    const run = await robots(
      ['--count', '2', '--rate', '20', '--hub-data', dataDir, '--prefix', 'term'],
      (out, child) => {
        if (out.includes('\n1s ') && child.exitCode === null && !child.killed) child.kill('SIGTERM');
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const totals = JSON.parse(run.lines.at(-1) ?? '') as {
      stopped: string;
      robots: Record<string, { sent: number; acknowledged: number; failed: number }>;
    };
    expect(totals.stopped).toBe('SIGTERM');
    for (const id of ['term-1', 'term-2']) {
      const counts = totals.robots[id];
      expect(counts?.failed).toBe(0);
      expect(counts?.acknowledged).toBe(counts?.sent);
      expectReadings(id, counts?.acknowledged ?? -1, 0);
      const gone = await service.invokeMethod(id, 'runWorkflow', { workflow: 'w' }).catch((error: unknown) => error);
      expect((gone as HubRequestError).status).toBe(404); // its client is closed
    }
  });

  it('with --gateway connects to that host and port (GatewayHostName) and still signs for the hub', async () => {
    const gateway = await relay(hub.port);
    try {
      const run = await robots([
        ...['--count', '2', '--rate', '10', '--messages', '15', '--quiet', '--prefix', 'leaf'],
        ...['--hub-data', dataDir, '--gateway', `127.0.0.1:${gateway.port}`, '--ca', hub.caPath],
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.lines[0]).toBe(
        `robots: 2 connected to localhost:${hub.port} through 127.0.0.1:${gateway.port}, sending 10 msg/s each`,
      );
      expect(run.lines.length).toBeGreaterThanOrEqual(3); // the last reading is due 1.4 s after the start
      for (const line of run.lines.slice(1, -1)) {
        expect(line).toMatch(/^\d+s robots=2 sent=\d+ acked=\d+ failed=\d+ methods=\d+$/);
      }
      expect(JSON.parse(run.lines.at(-1) ?? '')).toMatchObject({ sent: 30, acknowledged: 30, failed: 0 });
      expect(gateway.connections()).toBe(2); // one MQTT connection per leaf, all through the "gateway"
      expectReadings('leaf-1', 15, 0);
      expectReadings('leaf-2', 15, 0);
    } finally {
      await gateway.close();
    }
  });

  it('says what is wrong with a bad command line and exits 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--rate', '1', '--hub-data', dataDir], /--count, --rate and --hub-data are required/],
      [['--count', '0', '--rate', '1', '--hub-data', dataDir], /--count "0": give an integer from 1 to 1000/],
      [['--count', '1.5', '--rate', '1', '--hub-data', dataDir], /--count "1.5": give an integer/],
      [['--count', '1', '--rate', 'fast', '--hub-data', dataDir], /--rate "fast": give a number/],
      [['--count', '1', '--rate', '1', '--hub-data', dataDir, '--gateway', 'gw'], /--gateway "gw": give HOST:PORT/],
      [['--count', '1', '--rate', '1', '--hub-data', dataDir, '--gateway', 'gw:70000'], /--gateway "gw:70000"/],
      [['--count', '1', '--rate', '1', '--hub-data', dataDir, '--prefix', 'a;GatewayHostName=evil'], /--prefix/],
      [['--count', '1', '--rate', '1', '--hub-data', dataDir, '--bogus'], /Unknown option '--bogus'/],
      [['--count', '1', '--rate', '1', '--hub-data', dataDir, '--parent', 'g;w'], /--parent "g;w"/],
    ];
    for (const [args, message] of cases) {
      const run = await robots(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('usage: node apps/robots/robots.mjs');
    }
  });

  it('says which robot cannot reach the gateway and exits 1', async () => {
    const closed = createServer();
    await new Promise<void>((listening) => closed.listen(0, '127.0.0.1', listening));
    const address = closed.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise((done) => closed.close(done)); // nothing listens there now
    const run = await robots(['--count', '1', '--rate', '1', '--hub-data', dataDir, '--gateway', `127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`robots: robot robot-1 cannot connect to 127.0.0.1:${port}: `);
  });

  it('says which robot cannot be a child of a device that is no IoT Edge device and exits 1', async () => {
    await service.addDevice('not-edge');
    const run = await robots(['--count', '1', '--rate', '1', '--hub-data', dataDir, '--parent', 'not-edge']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^robots: cannot register robot robot-1 as a child of not-edge: .*not an IoT Edge device/,
    );
  });

  it('says which hub is not running and exits 1', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'os-robots-none-'));
    try {
      const run = await robots(['--count', '1', '--rate', '1', '--hub-data', empty]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`robots: --hub-data ${empty}: `);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
