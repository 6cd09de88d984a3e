import { InvalidArgumentError, InvalidCapabilityError, WrongObjectKindError } from '../errors.js';
import type { Kernel, KernelFactory } from '../kernel.js';
import { VirtualClock } from '../virtual-clock.js';
import { check, equal, equalList, throws } from './assert.js';
import { domain } from './fixture.js';
import type { ConformanceCase } from './suite.js';

/** A kernel on virtual time with one driver PD whose entrypoint records signal deliveries as `[time, count]`. */
function driver(factory: KernelFactory) {
  const clock = new VirtualClock(7);
  const kernel: Kernel = factory({ clock });
  check(kernel.clock === clock, 'the kernel runs on the clock it was given');
  const timer = domain(kernel, 'timer');
  const deliveries: [number, number][] = [];
  timer.thread.serve({
    onCall() {},
    onSignal(_imprint, count) {
      deliveries.push([timer.thread.time(), count]);
    },
  });
  return { kernel, clock, timer, deliveries, context: timer.thread.createSignalContext(1) };
}

/** The kernel's time source: `time` and one `timeout` per thread. */
export const timeCases: ConformanceCase[] = [
  {
    name: 'a timeout submits its signal context once, when the clock reaches it',
    async run(_kernel, factory) {
      const { kernel, clock, timer, deliveries, context } = driver(factory);
      equal(timer.thread.time(), 0, 'time starts at 0');
      timer.thread.timeout(1500, context);
      await kernel.settle();
      equal(deliveries.length, 0, 'nothing before the clock moves');
      check(clock.advance(), 'one timer armed');
      await kernel.settle();
      equalList(
        deliveries.map(([time, count]) => `${time}x${count}`),
        ['1500x1'],
        'delivered at 1500 us',
      );
      check(!clock.advance(), 'nothing left');
    },
  },
  {
    name: 'arming a timeout again replaces the one armed before',
    async run(_kernel, factory) {
      const { kernel, clock, timer, deliveries, context } = driver(factory);
      timer.thread.timeout(1000, context);
      timer.thread.timeout(5000, context);
      while (clock.advance()) await kernel.settle();
      equalList(
        deliveries.map(([time]) => time),
        [5000],
        'only the second fired',
      );
    },
  },
  {
    name: 'a timeout on a dissolved context fires into nothing; bad arguments are refused',
    async run(_kernel, factory) {
      const { kernel, clock, timer, deliveries, context } = driver(factory);
      timer.thread.timeout(10, context);
      timer.thread.dissolve(context);
      while (clock.advance()) await kernel.settle();
      equal(deliveries.length, 0, 'no delivery');
      throws(() => timer.thread.timeout(10, context), InvalidCapabilityError, 'dissolved context');
      const object = timer.thread.createRpcObject();
      throws(() => timer.thread.timeout(10, object), WrongObjectKindError, 'an RPC object is no signal context');
      const fresh = timer.thread.createSignalContext(2);
      throws(() => timer.thread.timeout(-1, fresh), InvalidArgumentError, 'negative duration');
      throws(() => timer.thread.timeout(0.5, fresh), InvalidArgumentError, 'fractional duration');
    },
  },
];
