// A system on real time for the queue and upstream tests: init with a timer, lx_fs serving a host directory, the net
// server (the gateway may connect to one host:port), and a component "gateway" that opens its sessions (File_system,
// Rtc, Net, Timer) and hands them to the test, which builds the queue and the upstream on them. The test stops the
// system when done; another system over the same directory is a restart of the gateway.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystem } from '@os/fs';
import { createLxFs } from '@os/fs/host';
import { init } from '@os/init';
import { Net } from '@os/net';
import { netServer } from '@os/net/host';
import { type ComponentModule, type Env, Rtc } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { Connection } from '@os/session';
import { kernelUnderTest } from '@os/test-kernels';
import { timerDriver } from '@os/timer';
import { onTestFinished } from 'vitest';
import { TimeoutScheduler } from '@os/timer';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
export const kernel = kernelUnderTest();

/** What the gateway component hands the test. */
export interface GatewayParts {
  readonly env: Env;
  /** Opens another File_system session (labelled `gateway -> <label>`). */
  openFs(label?: string): Promise<FileSystem.Connection>;
  /** The Net session (sockets for `sockets` connections at once). */
  readonly net: Net.Connection;
  readonly alarms: TimeoutScheduler;
  /** Wall-clock milliseconds (the Rtc session). */
  now(): Promise<number>;
  log(line: string): Promise<void>;
}

/** What the test says about the system. */
export interface GatewaySystemOptions {
  /** The host directory lx_fs serves from (kept across systems: the gateway's storage). */
  readonly directory: string;
  /** The lx_fs policy's `quota` attribute, if any. */
  readonly quota?: string;
  /** The one host and port net lets the gateway connect to. */
  readonly allow?: { readonly host: string; readonly port: number };
  /** Sockets the Net session pays for. */
  readonly sockets?: number;
}

/** A running system. */
export interface GatewaySystem {
  readonly parts: GatewayParts;
  /** Every LOG line so far. */
  readonly lines: readonly string[];
  /** Removes every component (closing their sessions) and ends the system. */
  stop(): Promise<void>;
}

const GATHERING = `<config>
  <parent-provides>
    <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="Rtc"/>
  </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>`;

/** A host directory for the gateway's storage, removed when the test finishes. */
export function storageDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'os-edge-hub-test-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** Boots the system on real time and waits until the gateway component handed over its sessions. */
export async function startGatewaySystem(options: GatewaySystemOptions): Promise<GatewaySystem> {
  let handOver: (parts: GatewayParts) => void = () => undefined;
  const handedOver = new Promise<GatewayParts>((resolve) => (handOver = resolve));
  const gateway: ComponentModule = {
    async construct(env: Env) {
      const rtc = await Connection.openSession(env, Rtc, { service: 'Rtc', ram: 0, caps: 1 });
      const net = await Net.Connection.open(env, { sockets: options.sockets ?? 4 });
      const alarms = await TimeoutScheduler.open(env);
      handOver({
        env,
        openFs: (label = 'queue') => FileSystem.Connection.open(env, { label, bufferSize: 64 * 1024 }),
        net,
        alarms,
        now: () => rtc.session.currentTime(),
        log: (line) => env.log(line),
      });
    },
  };
  const done: ComponentModule = {
    async construct(env: Env) {
      await env.parent.exit(0);
    },
  };
  const allow = options.allow ?? { host: '127.0.0.1', port: 1 };
  const quota = options.quota === undefined ? '' : ` quota="${options.quota}"`;
  const config = `${GATHERING}
  <start name="timer" caps="100" ram="1M"> <provides> <service name="Timer"/> </provides> </start>
  <start name="lx_fs" caps="200" ram="4M"> <provides> <service name="File_system"/> </provides>
    <config directory="state"> <policy label_prefix="gateway" root="gateway" writeable="yes"${quota}/> </config>
  </start>
  <start name="net" caps="300" ram="32M"> <provides> <service name="Net"/> </provides>
    <config> <policy label="gateway"> <connect host="${allow.host}" port="${allow.port}"/> </policy> </config>
  </start>
  <start name="gateway" caps="300" ram="16M"/>
</config>`;
  const encoder = new TextEncoder();
  const system = await boot(
    {
      init: 'init',
      binaries: binaryTable({
        init,
        timer: timerDriver,
        lx_fs: createLxFs({ base: options.directory }),
        net: netServer({ virtualTime: false }),
        gateway,
        done,
      }),
      roms: new Map([['config', encoder.encode(config)]]),
    },
    {
      kernel: kernel.factory,
      log: (line: string) => {
        if (process.env['EDGE_HUB_DEBUG']) console.error(line);
      },
    },
  );
  const parts = await Promise.race([
    handedOver,
    system.exit.then((value) => {
      throw new Error(`the system ended (${value}) before the gateway started:\n${system.lines.join('\n')}`);
    }),
  ]);
  let stopped: Promise<void> | undefined;
  return {
    parts,
    lines: system.lines,
    stop(): Promise<void> {
      stopped ??= (async () => {
        const witness = `${GATHERING} <start name="done" caps="50" ram="1M"> <exit propagate="yes"/> </start>
</config>`;
        system.core.updateRom('config', encoder.encode(witness));
        await system.exit;
      })();
      return stopped;
    },
  };
}

/** Waits until `condition()` holds, checking every 20 ms; a bound on a hang (30 s), not a timing assertion. */
export async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
