// Cases that need more than a client and a server: signal delivery, and a whole system on virtual time.
import { VirtualClock } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { bootHelloTimer } from '../apps/hello-timer/dist/system.js';

/** `signal.hw`: submit from one PD to a signal handler in another, until the handler ran. */
export function signalBench() {
  const kernel = createHwKernel();
  const receiverPd = kernel.createPd('receiver');
  const senderPd = kernel.createPd('sender');
  kernel.grantQuota(receiverPd, { caps: 4 });
  const receiver = kernel.createThread(receiverPd, 'receiver.ep');
  let delivered = null;
  receiver.serve({ onCall() {}, onSignal() { delivered?.(); } });
  const context = kernel.delegate(receiverPd, receiver.createSignalContext(1), senderPd);
  const sender = kernel.createThread(senderPd, 'sender.ep');
  return () =>
    new Promise((resolve) => {
      delivered = resolve;
      sender.submitSignal(context);
    });
}

/** `virtual.hour`: the hello-timer system configured for 3600 ticks on virtual time, booted to exit; median ns of `runs`. */
export async function virtualHour(runs) {
  const times = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    const system = await bootHelloTimer({ kernel: createHwKernel, clock: new VirtualClock(1), ticks: 3600 });
    const value = await system.exit;
    if (value !== 0 || system.lines.length !== 3600) throw new Error(`virtual.hour: exit ${value}, ${system.lines.length} lines`);
    times.push(Number(process.hrtime.bigint() - start));
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}
