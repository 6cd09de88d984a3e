import { describe, expect, it } from 'vitest';
import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { type ComponentModule, type Env, XmlNode } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { KERNELS, type NamedKernel } from '@os/test-kernels';
import { timerDriver } from '@os/timer';
import { type LibcGrant, TimerUnavailableError, runLibcProgram } from '../src/index.js';
import type { Untyped } from './node-program-fixture.js';
// locks the realm down: the shim's polyfills need SES's Compartment
import './node-program-fixture.js';

/** A program of the test: its globals and `modules('node:fs')`, what `import fs from 'node:fs'` gives it. */
type Program = (globals: Untyped, modules: (name: string) => Untyped) => void;

const CONFIG =
  '<config> <libc stdout="/dev/log" stderr="/dev/log"/>' +
  ' <vfs> <dir name="dev"> <log/> <rtc/> </dir> <dir name="tmp"> <ram/> </dir> </vfs> </config>';

/**
 * Boots init on virtual time with the program as child "app", routed to its parent for all but Timer; with `timer`,
 * also a timer and a route for Timer to it. Resolves with the exit value and the program's LOG lines.
 */
async function runProgram(
  kernel: NamedKernel,
  timer: boolean,
  program: Program,
): Promise<{ readonly exit: number; readonly lines: readonly string[] }> {
  const app: ComponentModule = {
    async construct(env: Env) {
      await runLibcProgram(env, {
        binary: 'app',
        config: XmlNode.parse(CONFIG, 'the program config'),
        evaluate: async (grant: LibcGrant) => {
          program(grant.globals, (name) => (grant.modules.get(name) as Untyped)?.default);
        },
      });
    },
  };
  const timerRoute = timer ? [{ service: 'Timer', to: { child: 'timer' } }] : [];
  const initConfig = {
    parentProvides: ['LOG', 'ROM', 'PD', 'CPU', 'Rtc'],
    defaultRoute: [{ service: '*', to: 'parent' }],
    children: [
      ...(timer ? [{ name: 'timer', ram: 1 << 20, caps: 100, provides: ['Timer'] }] : []),
      {
        name: 'app',
        ram: 4 << 20,
        caps: 100,
        routes: [...timerRoute, { service: '*', to: 'parent' }],
        exit: { propagate: true },
      },
    ],
  };
  const system = await boot(
    {
      init: 'init',
      binaries: binaryTable({ init, timer: timerDriver, app }),
      roms: new Map([['config', new TextEncoder().encode(JSON.stringify(initConfig))]]),
    },
    { kernel: kernel.factory, clock: new VirtualClock(1) },
  );
  const exit = await system.exit;
  return {
    exit,
    lines: system.lines.filter((line) => line.startsWith('[init -> app] ')).map((line) => line.slice(14)),
  };
}

/** Each way a program asks for time, by the name the error gives it. */
const USES_OF_TIME: readonly (readonly [string, Program])[] = [
  ['Date.now()', (globals) => globals.Date.now()],
  ['new Date()', (globals) => new globals.Date()],
  ['Date()', (globals) => globals.Date()],
  ['performance.now()', (globals) => globals.performance.now()],
  ['process.hrtime()', (globals) => globals.process.hrtime()],
  ['process.hrtime.bigint()', (globals) => globals.process.hrtime.bigint()],
  ['process.uptime()', (globals) => globals.process.uptime()],
  ['setTimeout', (globals) => globals.setTimeout(() => globals.console.log('never'), 10)],
  ['setInterval', (globals) => globals.setInterval(() => globals.console.log('never'), 10)],
  ['setImmediate', (globals) => globals.setImmediate(() => globals.console.log('never'))],
  ['setTimeout', (_, modules) => modules('node:timers/promises').setTimeout(10)],
  ['setTimeout', (_, modules) => modules('node:timers').setTimeout(() => undefined, 10)],
];

describe.each(KERNELS)('a libc program and its Timer session, on $name', (kernel) => {
  it('runs without a Timer route when it never asks for time, and ends when its promises are done', async () => {
    const { exit, lines } = await runProgram(kernel, false, (globals, modules) => {
      const fs = modules('node:fs');
      const { console, process } = globals;
      console.log('start');
      fs.writeFileSync('/tmp/out.txt', 'written');
      console.log('size', fs.statSync('/tmp/out.txt').size);
      console.log('rtc file', fs.readFileSync('/dev/rtc', 'utf8').trim());
      console.log('a given date', new globals.Date(0).toISOString(), 'time origin', globals.performance.timeOrigin);
      process.nextTick(() => console.log('next tick'));
      void (async () => {
        for (let read = 0; read < 20; read++) await modules('node:fs/promises').readFile('/tmp/out.txt', 'utf8');
        console.log('after 20 reads');
        process.exitCode = 4;
      })();
    });
    expect(lines).toEqual([
      'start',
      'size 7',
      'rtc file 2026-01-01 00:00:00',
      'a given date 1970-01-01T00:00:00.000Z time origin 0',
      'next tick',
      'after 20 reads',
    ]);
    expect(exit).toBe(4);
  });

  it.each(USES_OF_TIME)(
    'without a Timer route, ends with exit value 1 and an error naming the route at its first %s',
    async (use, asksForTime) => {
      const { exit, lines } = await runProgram(kernel, false, (globals, modules) => {
        globals.console.log('before');
        asksForTime(globals, modules);
        globals.console.log('after');
      });
      expect(lines.slice(0, 2)).toEqual(['before', 'after']);
      // one LOG write takes 232 characters: the rest of the message follows on further lines
      const error = lines.slice(2).join('');
      expect(error).toContain(`Error: ${TimerUnavailableError.name}: the program's first use of time (${use})`);
      expect(error).toMatch(/ServiceDenied: .*no route to service "Timer"/);
      expect(error).toContain('give the component a route to a Timer service');
      expect(exit).toBe(1);
    },
  );

  it('without a Timer route, ends with the error even when it exits right after asking for time', async () => {
    const { exit, lines } = await runProgram(kernel, false, (globals) => {
      globals.Date.now();
      globals.process.exit(0);
    });
    expect(lines.join('')).toContain(
      `Error: ${TimerUnavailableError.name}: the program's first use of time (Date.now())`,
    );
    expect(exit).toBe(1);
  });

  it('with a Timer route, reads time and runs its timers on the session it opened at its first use', async () => {
    const { exit, lines } = await runProgram(kernel, true, (globals, modules) => {
      const { console, performance, process, setTimeout, setInterval, clearInterval } = globals;
      console.log('start', new globals.Date().toISOString(), performance.now());
      let ticks = 0;
      const interval = setInterval(() => console.log('tick', ++ticks, performance.now()), 100);
      setTimeout(() => {
        clearInterval(interval);
        console.log('done at', globals.Date.now(), process.hrtime()[0], process.uptime());
        process.exitCode = 3;
      }, 1_250);
      void modules('node:timers/promises')
        .setTimeout(50, 'value')
        .then((value: string) => console.log('promise', value, performance.now()));
    });
    expect(lines).toEqual([
      'start 1970-01-01T00:00:00.000Z 0',
      'promise value 50',
      ...Array.from({ length: 12 }, (_, index) => `tick ${index + 1} ${(index + 1) * 100}`),
      'done at 1250 1 1.25',
    ]);
    expect(exit).toBe(3);
  });
});
