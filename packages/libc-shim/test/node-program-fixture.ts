// A plain Node program under the shim, on real time with the net server: the program is a function of the test that
// gets the modules and globals the shim grants (evaluated in the test's realm, not in a compartment: confinement is
// the loader's, tested with it); the shim's polyfills need SES's Compartment, so the realm is locked down first.

import { init } from '@os/init';
import { netServer } from '@os/net/host';
import { type ComponentModule, type Env, XmlNode } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { kernelUnderTest } from '@os/test-kernels';
import { timerDriver } from '@os/timer';
import { type LibcGrant, runLibcProgram } from '../src/index.js';

// the loader's LOCKDOWN_OPTIONS (@os/loader depends on this package, so it is not imported here); ses is imported
// after the kernel, as hardenRealm does: the kernel picks how it detaches memory by what the realm has before SES
await import('ses');
if (!Object.isFrozen(Object.prototype))
  lockdown({
    errorTaming: 'unsafe',
    stackFiltering: 'verbose',
    overrideTaming: 'severe',
    consoleTaming: 'unsafe',
    evalTaming: 'safe-eval',
  });

/** The kernel this run tests on. */
export const kernel = kernelUnderTest();

// biome-ignore lint/suspicious/noExplicitAny: a plain Node program's modules are untyped, as in JavaScript
export type Untyped = any;

/** What the program gets: `modules('node:net')` is what `import net from 'node:net'` gives it. */
export interface ProgramScope {
  /** The default export of a granted module. */
  modules(name: string): Untyped;
  /** Its globals (`console`, `process`, `setTimeout`, `require`, `Buffer`, ...). */
  readonly globals: Untyped;
  /** Its `console` (to its LOG). */
  readonly console: Untyped;
}

/** How a program run ended. */
export interface ProgramRun {
  /** Its exit value. */
  readonly exit: number;
  /** Every LOG line but the timer's. */
  readonly lines: readonly string[];
}

const LOG_CONFIG = '<libc stdout="/dev/log" stderr="/dev/log"/> <vfs> <dir name="dev"> <log/> </dir> </vfs> <net/>';

/**
 * Boots init with a timer, the net server (config `netConfig`) and the program (start name `program`, its config
 * `<config>` with a LOG console and `extraConfig`), and resolves when the program exits.
 */
export async function runNodeProgram(
  netConfig: string,
  program: (scope: ProgramScope) => void | Promise<void>,
  extraConfig = '',
): Promise<ProgramRun> {
  const config = XmlNode.parse(`<config> ${LOG_CONFIG} ${extraConfig} </config>`, 'the program config');
  const component: ComponentModule = {
    async construct(env: Env) {
      await runLibcProgram(env, {
        binary: 'program',
        config,
        evaluate: async (grant: LibcGrant) => {
          const modules = (name: string): Untyped => (grant.modules.get(name) as Untyped)?.default;
          await program({ modules, globals: grant.globals, console: grant.globals['console'] });
        },
      });
    },
  };
  const initConfig = {
    parentProvides: ['LOG', 'ROM', 'PD', 'CPU', 'Rtc'],
    defaultRoute: [{ service: '*', to: 'parent' }],
    children: [
      { name: 'timer', ram: 1 << 20, caps: 100, provides: ['Timer'] },
      { name: 'net', ram: 16 << 20, caps: 300, provides: ['Net'], config: netConfig },
      {
        name: 'program',
        ram: 8 << 20,
        caps: 100,
        routes: [
          { service: 'Net', to: { child: 'net' } },
          { service: 'Timer', to: { child: 'timer' } },
          { service: '*', to: 'parent' },
        ],
        exit: { propagate: true },
      },
    ],
  };
  const system = await boot(
    {
      init: 'init',
      binaries: binaryTable({ init, timer: timerDriver, net: netServer({ virtualTime: false }), program: component }),
      roms: new Map([['config', new TextEncoder().encode(JSON.stringify(initConfig))]]),
    },
    { kernel: kernel.factory, ...(process.env['SHIM_DEBUG'] ? { log: (line: string) => console.error(line) } : {}) },
  );
  const exit = await system.exit;
  return { exit, lines: system.lines.filter((line) => !line.startsWith('[init -> timer]')) };
}

/** A connect policy for the program to 127.0.0.1 on `ports`, and a listen rule when `listen` is given. */
export function programPolicy(ports: string, listen?: number): string {
  const listenRule = listen === undefined ? '' : `<listen port="${listen}"/>`;
  const connectRule = `<connect host="127.0.0.1" port="${ports}"/>`;
  return `<config> <policy label="program"> ${connectRule} ${listenRule} </policy> </config>`;
}
