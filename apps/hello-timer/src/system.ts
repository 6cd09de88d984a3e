import { init } from '@os/init';
import type { KernelFactory, Clock } from '@os/kernel';
import { type SystemDescription, type SystemHandle, binaryTable, boot } from '@os/runtime';
import { timerDriver } from '@os/timer';
import { DEFAULT_TICKS, helloTimer } from './hello.js';

/** init's configuration: the timer driver and hello (ticking `ticks` times), whose Timer sessions go to the driver. */
export function helloTimerConfig(ticks = DEFAULT_TICKS) {
  return {
    children: [
      { name: 'timer', ram: 1 << 20, caps: 100, provides: ['Timer'] },
      { name: 'hello', ram: 1 << 20, caps: 100, routes: { Timer: { child: 'timer' } }, config: `<config ticks="${ticks}"/>`, exit: { propagate: true } },
    ],
  };
}

/** The hello-timer system with `ticks` ticks: what `os run apps/hello-timer` boots. */
export function helloTimerSystem(ticks = DEFAULT_TICKS): SystemDescription {
  return {
    init: 'init',
    binaries: binaryTable({ init, timer: timerDriver, hello: helloTimer }),
    roms: new Map([['config', new TextEncoder().encode(JSON.stringify(helloTimerConfig(ticks)))]]),
  };
}

/** The system `os run` finds in this directory. */
export const system = helloTimerSystem();

/** Boots the hello-timer system with `ticks` ticks. */
export async function bootHelloTimer(options: { kernel: KernelFactory; clock?: Clock; ticks?: number; log?: (line: string) => void }): Promise<SystemHandle> {
  return boot(helloTimerSystem(options.ticks), {
    kernel: options.kernel,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}
