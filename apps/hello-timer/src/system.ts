import { init } from '@os/init';
import type { KernelFactory, Clock } from '@os/kernel';
import { type SystemDescription, type SystemHandle, binaryTable, boot } from '@os/runtime/host';
import { timerDriver } from '@os/timer';
import { DEFAULT_TICKS, helloTimer } from './hello.js';

/**
 * init's configuration, in Genode's XML: the timer driver and hello (ticking `ticks` times), whose Timer session goes
 * to the driver.
 */
export function helloTimerConfig(ticks = DEFAULT_TICKS): string {
  return `<config>
  <parent-provides>
    <service name="LOG"/>
    <service name="ROM"/>
    <service name="PD"/>
  </parent-provides>
  <default-route>
    <service name="Timer"><child name="timer"/></service>
    <any-service><parent/></any-service>
  </default-route>
  <default caps="100" ram="1M"/>
  <start name="timer">
    <provides><service name="Timer"/></provides>
  </start>
  <start name="hello">
    <config ticks="${ticks}"/>
    <exit propagate="yes"/>
  </start>
</config>
`;
}

/** The hello-timer system with `ticks` ticks: what `os run apps/hello-timer` boots. */
export function helloTimerSystem(ticks = DEFAULT_TICKS): SystemDescription {
  return {
    init: 'init',
    binaries: binaryTable({ init, timer: timerDriver, hello: helloTimer }),
    roms: new Map([['config', new TextEncoder().encode(helloTimerConfig(ticks))]]),
  };
}

/** The system `os run` finds in this directory. */
export const system = helloTimerSystem();

/** Boots the hello-timer system with `ticks` ticks. */
export async function bootHelloTimer(options: {
  kernel: KernelFactory;
  clock?: Clock;
  ticks?: number;
  log?: (line: string) => void;
}): Promise<SystemHandle> {
  return boot(helloTimerSystem(options.ticks), {
    kernel: options.kernel,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}
