// A system on real time around the edge hub component: init with a timer, the net server (edge_hub may listen on one
// port and connect to the hub's HTTPS port), and edge_hub itself, linked to an upstream side the test hands in. The
// test stops the system when done.

import { init } from '@os/init';
import { netServer } from '@os/net/host';
import type { ComponentModule, Env } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { timerDriver } from '@os/timer';
import { edgeHubComponent, type EdgeHubServer } from '../src/host.js';
import type { Upstream } from '../src/upstream-link.js';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
export const kernel = kernelUnderTest();

/** What the test says about the system. */
export interface EdgeHubSystemOptions {
  /** The edge hub's `<config>` attributes (and content, after a `>`), as written into its start node. */
  readonly config: string;
  /** ROMs besides `config`: certificates, keys. */
  readonly roms: ReadonlyMap<string, string>;
  /** The port net lets edge_hub listen on, and the one host and port it may connect to. */
  readonly listen: number;
  readonly connect: { readonly host: string; readonly port: number };
  /** The upstream side edge_hub links leaves to. */
  readonly upstream: Upstream;
}

/** A running system. */
export interface EdgeHubSystem {
  /** Every LOG line so far. */
  readonly lines: readonly string[];
  /** Resolves with the first LOG line at index `from` or later (default 0) that contains `text`. */
  line(text: string, from?: number): Promise<string>;
  /** The edge hub's server, once it listens. */
  hub(): Promise<EdgeHubServer>;
  /** Resolves with the exit value of the system (edge_hub's, which init propagates). */
  readonly exit: Promise<number>;
  /** Removes every component and ends the system. */
  stop(): Promise<void>;
}

const GATHERING = `<config>
  <parent-provides>
    <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="Rtc"/>
  </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>`;

/** Waits for `ready()` (checked on each LOG line and every 20 ms), bounded so that a hang fails with `what`. */
export async function until(ready: () => boolean, what: string, boundMs = 20_000): Promise<void> {
  // a bound on a hang, not a timing assertion
  const end = Date.now() + boundMs;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Boots the system on real time. */
export async function startEdgeHubSystem(options: EdgeHubSystemOptions): Promise<EdgeHubSystem> {
  let started: (hub: EdgeHubServer) => void = () => undefined;
  const listening = new Promise<EdgeHubServer>((resolve) => (started = resolve));
  const edgeHub = edgeHubComponent({ upstream: () => options.upstream, started: (hub) => started(hub) });
  const done: ComponentModule = {
    async construct(env: Env) {
      await env.parent.exit(0);
    },
  };
  const attributes = options.config.includes('>') ? options.config : `${options.config}/>`;
  const closing = options.config.includes('>') ? '</config>' : '';
  const config = `${GATHERING}
  <start name="timer" caps="100" ram="1M"> <provides> <service name="Timer"/> </provides> </start>
  <start name="net" caps="300" ram="32M"> <provides> <service name="Net"/> </provides>
    <config>
      <policy label="edge_hub">
        <listen port="${options.listen}"/> <connect host="${options.connect.host}" port="${options.connect.port}"/>
      </policy>
    </config>
  </start>
  <start name="edge_hub" caps="400" ram="32M">
    <config ${attributes}${closing}
    <exit propagate="yes"/>
  </start>
</config>`;
  const waiters = new Set<() => void>();
  const encoder = new TextEncoder();
  const roms = new Map<string, Uint8Array>([['config', encoder.encode(config)]]);
  for (const [name, text] of options.roms) roms.set(name, encoder.encode(text));
  const system = await boot(
    {
      init: 'init',
      binaries: binaryTable({
        init,
        timer: timerDriver,
        net: netServer({ virtualTime: false }),
        edge_hub: edgeHub,
        done,
      }),
      roms,
    },
    {
      kernel: kernel.factory,
      log: (line: string) => {
        if (process.env['EDGE_HUB_DEBUG']) console.error(line);
        for (const waiter of waiters) waiter();
      },
    },
  );
  let stopped: Promise<void> | undefined;
  return {
    lines: system.lines,
    exit: system.exit,
    hub: () => listening,
    line(text: string, from = 0): Promise<string> {
      const find = (): string | undefined => system.lines.slice(from).find((line) => line.includes(text));
      const seen = find();
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = (): void => {
          const found = find();
          if (found === undefined) return;
          clearTimeout(timeout);
          waiters.delete(waiter);
          resolve(found);
        };
        // a bound on a hang, not a timing assertion
        const timeout = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no LOG line with ${JSON.stringify(text)}; got:\n${system.lines.join('\n')}`));
        }, 20_000);
        waiters.add(waiter);
      });
    },
    stop(): Promise<void> {
      stopped ??= (async () => {
        const done = '<start name="done" caps="50" ram="1M"> <exit propagate="yes"/> </start>';
        const witness = `${GATHERING} ${done} </config>`;
        system.core.updateRom('config', encoder.encode(witness));
        await system.exit;
      })();
      return stopped;
    },
  };
}
