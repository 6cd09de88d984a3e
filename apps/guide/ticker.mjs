// The guide's own component: reads its <config>, ticks on the Timer session init routes to it, and
// logs through whatever LOG session init routes to it. It knows nothing else of the system.
import { AttachedRomDataspace } from '@os/runtime';
import { Timer } from '@os/timer';

export async function construct(env) {
  const config = (await AttachedRomDataspace.open(env, 'config')).xml();
  const ticks = config.numberAttribute('ticks', 3);
  const intervalMs = config.numberAttribute('interval_ms', 1000);
  const timer = await Timer.Connection.open(env);
  for (let tick = 1; tick <= ticks; tick++) {
    await timer.msleep(intervalMs);
    await env.log(`tick ${tick} at ${await timer.elapsedMs()} ms`);
  }
  await env.parent.exit(0);
}
