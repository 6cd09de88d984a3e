// A system on real time for the gateway's example packages: init with a timer, the net server (the `net` built-in
// with the test's policies) and the package's component, loaded confined from its package directory as `os run`
// loads it, with `@os/net` granted to compartments as the gateway grants it. The test stops the system when done.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen, publish } from '@os/depot/host';
import { init } from '@os/init';
import { BinaryLoader, hardenRealm } from '@os/loader';
import * as net from '@os/net';
import { netServer } from '@os/net/host';
import type { ComponentModule, Env } from '@os/runtime';
import { boot } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { timerDriver } from '@os/timer';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
export const kernel = kernelUnderTest();

/** What the test describes of its system. */
export interface PackageSystemOptions {
  /** Where binary names resolve: the package's directory (it finds itself by its own name). */
  readonly directory: string;
  /** The net server's `<config>`, with a `<policy>` per client label. */
  readonly netConfig: string;
  /** The `<start>` entries of the components under test, as XML. */
  readonly starts: string;
  /** More built-ins by name (helper components written in the test). */
  readonly builtins?: Readonly<Record<string, ComponentModule>>;
  /** A local depot: binary names `<user>/bin/js/<name>/<version>` load from it, as in the gateway. */
  readonly depot?: string;
}

/** A running system. */
export interface PackageSystem {
  /** Every LOG line so far. */
  readonly lines: readonly string[];
  /** Resolves with the first LOG line (from now or before) that contains `text`; rejects after `timeoutMs`. */
  line(text: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit value the first exiting component propagated (a component with `<exit propagate>`). */
  readonly exit: Promise<number>;
  /** Ends the system (its `stopper` child exits 0) and resolves when it did. */
  stop(): Promise<void>;
}

/** Boots the system on real time. */
export async function startPackageSystem(options: PackageSystemOptions): Promise<PackageSystem> {
  await hardenRealm();
  let stopNow: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stopNow = resolve));
  const stopper: ComponentModule = {
    async construct(env: Env) {
      await stopped;
      await env.parent.exit(0);
    },
  };
  const loader = new BinaryLoader({
    directory: options.directory,
    builtins: { init, timer: timerDriver, net: netServer({ virtualTime: false }), stopper, ...options.builtins },
    modules: { '@os/net': net },
    ...(options.depot === undefined ? {} : { depot: options.depot }),
  });
  const config = `<config>
  <parent-provides>
    <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="Rtc"/>
  </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <start name="timer" caps="100" ram="1M"> <provides> <service name="Timer"/> </provides> </start>
  <start name="net" caps="300" ram="16M"> <provides> <service name="Net"/> </provides> ${options.netConfig} </start>
  <start name="stopper" caps="50" ram="1M"> <exit propagate="yes"/> </start>
  ${options.starts}
</config>`;
  const waiters = new Set<{ text: string; found: (line: string) => void }>();
  const system = await boot(
    { init: 'init', binaries: loader.resolve, roms: new Map([['config', new TextEncoder().encode(config)]]) },
    {
      kernel: kernel.factory,
      log: (line: string) => {
        if (process.env['GATEWAY_PACKAGES_DEBUG']) console.error(line);
        for (const waiter of waiters) if (line.includes(waiter.text)) waiter.found(line);
      },
    },
  );
  return {
    lines: system.lines,
    exit: system.exit,
    line(text: string, timeoutMs = 20_000): Promise<string> {
      const seen = system.lines.find((line) => line.includes(text));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          text,
          found: (line: string) => {
            clearTimeout(timeout);
            waiters.delete(waiter);
            resolve(line);
          },
        };
        const timeout = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no LOG line with ${JSON.stringify(text)} within ${timeoutMs} ms; got:\n${system.lines.join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async stop(): Promise<void> {
      stopNow();
      await system.exit;
    },
  };
}

/** A depot in a temporary folder with `folder` published as `gapstage/.../2023-01-01`, as the demo publishes it. */
export interface PublishedDepot {
  /** The depot folder. */
  readonly depot: string;
  /** The bin archive's path, a binary name for a loader with this depot. */
  readonly binary: string;
  /** Removes the folder. */
  remove(): void;
}

/** Publishes the component package `folder` into a new depot, signed with a new key of user `gapstage`. */
export async function publishToDepot(folder: string): Promise<PublishedDepot> {
  const base = mkdtempSync(join(tmpdir(), 'gateway-package-'));
  const depot = join(base, 'depot');
  keygen('gapstage', { depot, key: join(base, 'gapstage.key') });
  const { bin } = await publish(folder, {
    user: 'gapstage',
    version: '2023-01-01',
    depot,
    key: join(base, 'gapstage.key'),
  });
  return { depot, binary: bin.path, remove: () => rmSync(base, { recursive: true, force: true }) };
}
