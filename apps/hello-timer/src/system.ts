import { init } from '@os/init';
import type { KernelFactory, Clock } from '@os/kernel';
import { type SystemHandle, binaryTable, boot } from '@os/runtime';
import { timerDriver } from '@os/timer';
import { helloTimer } from './hello.js';

/** init's configuration: the timer driver and hello, whose Timer sessions go to the driver. */
export function helloTimerConfig() {
  return {
    children: [
      { name: 'timer', ram: 1 << 20, caps: 100, provides: ['Timer'] },
      { name: 'hello', ram: 1 << 20, caps: 100, routes: { Timer: { child: 'timer' } }, exit: { propagate: true } },
    ],
  };
}

/** Boots the hello-timer system with `ticks` ticks. */
export async function bootHelloTimer(options: { kernel: KernelFactory; clock?: Clock; ticks?: number; log?: (line: string) => void }): Promise<SystemHandle> {
  const config = new TextEncoder().encode(JSON.stringify(helloTimerConfig()));
  return boot(
    {
      init: 'init',
      binaries: binaryTable({ init, timer: timerDriver, hello: helloTimer(options.ticks ?? 5) }),
      roms: new Map([['config', config]]),
    },
    { kernel: options.kernel, ...(options.clock ? { clock: options.clock } : {}), ...(options.log ? { log: options.log } : {}) },
  );
}
