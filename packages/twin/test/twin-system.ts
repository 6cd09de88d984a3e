// A system on real time around the twin component: init with a timer, the net server (the twin may connect to one
// host:port only), report_rom, the twin, a viewer that logs each version of the `desired` ROM, and a component that
// reports the `deploy_state` texts the test hands it. The test stops the system when done.

import { init } from '@os/init';
import { netServer } from '@os/net/host';
import { reportRom } from '@os/rom';
import { AttachedRomDataspace, type ComponentModule, type Env, Reporter, SignalHandler } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { timerDriver } from '@os/timer';
import { twin } from '../src/host.js';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
export const kernel = kernelUnderTest();

/** What the test says about the system. */
export interface TwinSystemOptions {
  /** The twin's `<config>` attributes besides `ca_rom` (which names the ROM `ca.pem`). */
  readonly twinConfig: string;
  /** The hub's CA certificate, served as the ROM `ca.pem`. */
  readonly ca: string;
  /** The one host and port net lets the twin connect to. */
  readonly allow: { readonly host: string; readonly port: number };
  /** The twin's `<config>` content (`<reported .../>` nodes); the `state` component also reports `telemetry_state`. */
  readonly twinContent?: string;
}

/** A running system. */
export interface TwinSystem {
  /** Every LOG line so far. */
  readonly lines: readonly string[];
  /** Resolves with the first LOG line at index `from` or later (default 0) that contains `text`. */
  line(text: string, from?: number): Promise<string>;
  /** The `desired` ROM's versions as the viewer logged them, parsed. */
  desired(): unknown[];
  /** Has the `state` component report `text` as `deploy_state` (or as the report `rom`). */
  reportState(text: string, rom?: 'deploy_state' | 'telemetry_state'): void;
  /** Removes every component (closing their sessions, so the twin's connection ends) and ends the system. */
  stop(): Promise<void>;
}

const VIEWED = '[init -> viewer] desired ';

function romText(rom: AttachedRomDataspace): string {
  return rom.text().replace(/\0+$/, '');
}

/** Logs each new version of its `desired` ROM. */
const viewer: ComponentModule = {
  async construct(env: Env) {
    const rom = await AttachedRomDataspace.open(env, 'desired');
    let last = '';
    const show = async (): Promise<void> => {
      await rom.update();
      if (!rom.valid() || romText(rom) === last) return;
      last = romText(rom);
      await env.log(`desired ${last}`);
    };
    await rom.sigh(new SignalHandler(env.ep, show));
    await show();
  },
};

const GATHERING = `<config>
  <parent-provides>
    <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="Rtc"/>
  </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>`;

/** Boots the system on real time. */
export async function startTwinSystem(options: TwinSystemOptions): Promise<TwinSystem> {
  const states: { text: string; rom: string }[] = [];
  let wake: () => void = () => undefined;
  const state: ComponentModule = {
    async construct(env: Env) {
      const reporters = new Map([['deploy_state', await Reporter.open(env, 'deploy_state', 64 * 1024)]]);
      reporters.set('telemetry_state', await Reporter.open(env, 'telemetry_state', 64 * 1024));
      for (;;) {
        const next = states.shift();
        if (next === undefined) await new Promise<void>((resolve) => (wake = resolve));
        else await reporters.get(next.rom)?.report(next.text);
      }
    },
  };
  const done: ComponentModule = {
    async construct(env: Env) {
      await env.parent.exit(0);
    },
  };
  const toReportRom = `<service name="Report"> <child name="report_rom"/> </service>`;
  const config = `${GATHERING}
  <start name="timer" caps="100" ram="1M"> <provides> <service name="Timer"/> </provides> </start>
  <start name="net" caps="300" ram="16M"> <provides> <service name="Net"/> </provides>
    <config>
      <policy label="twin"> <connect host="${options.allow.host}" port="${options.allow.port}"/> </policy>
    </config>
  </start>
  <start name="report_rom" caps="100" ram="4M"> <provides> <service name="Report"/> <service name="ROM"/> </provides>
    <config>
      <policy label="viewer -> desired" report="twin -> desired"/>
      <policy label="twin -> deploy_state" report="state -> deploy_state"/>
      <policy label="twin -> telemetry_state" report="state -> telemetry_state"/>
    </config>
  </start>
  <start name="twin" caps="200" ram="8M">
    <config ${options.twinConfig} ca_rom="ca.pem">${options.twinContent ?? ''}</config>
    <route> <service name="ROM" label="deploy_state"> <child name="report_rom"/> </service> ${toReportRom}
            <service name="ROM" label="telemetry_state"> <child name="report_rom"/> </service>
            <any-service> <parent/> <any-child/> </any-service> </route>
  </start>
  <start name="viewer" caps="100" ram="1M">
    <route>
      <service name="ROM" label="desired"> <child name="report_rom"/> </service> <any-service> <parent/> </any-service>
    </route>
  </start>
  <start name="state" caps="100" ram="1M">
    <route> ${toReportRom} <any-service> <parent/> </any-service> </route>
  </start>
</config>`;
  const waiters = new Set<() => void>();
  const encoder = new TextEncoder();
  const system = await boot(
    {
      init: 'init',
      binaries: binaryTable({
        init,
        timer: timerDriver,
        net: netServer({ virtualTime: false }),
        report_rom: reportRom,
        twin,
        viewer,
        state,
        done,
      }),
      roms: new Map([
        ['config', encoder.encode(config)],
        ['ca.pem', encoder.encode(options.ca)],
      ]),
    },
    {
      kernel: kernel.factory,
      log: (line: string) => {
        if (process.env['TWIN_DEBUG']) console.error(line);
        for (const waiter of waiters) waiter();
      },
    },
  );
  return {
    lines: system.lines,
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
    desired(): unknown[] {
      return system.lines
        .filter((line) => line.startsWith(VIEWED))
        .map((line) => JSON.parse(line.slice(VIEWED.length)));
    },
    reportState(text: string, rom = 'deploy_state'): void {
      states.push({ text, rom });
      wake();
    },
    async stop(): Promise<void> {
      const witness = `${GATHERING} <start name="done" caps="50" ram="1M"> <exit propagate="yes"/> </start> </config>`;
      system.core.updateRom('config', encoder.encode(witness));
      await system.exit;
    },
  };
}
