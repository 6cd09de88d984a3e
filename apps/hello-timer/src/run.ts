import { VirtualClock } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { bootHelloTimer } from './system.js';

const virtual = process.argv.includes('--virtual-time');
const system = await bootHelloTimer({ kernel: createHwKernel, ...(virtual ? { clock: new VirtualClock() } : {}), log: (line) => console.log(line) });
process.exit(await system.exit);
