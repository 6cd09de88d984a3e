import { AttachedRomDataspace } from '@os/runtime';
import { Timer } from '@os/timer';

/**
 * Blinks an LED: logs "<led> on" and "<led> off" in turn every `period_ms`, `count` times, then exits
 * with 0. Configured by its config ROM: `<config led="led0" period_ms="500" count="4"/>`.
 *
 * @param env the component's environment (Env of @os/runtime)
 */
export async function construct(env) {
  const rom = await AttachedRomDataspace.open(env, 'config');
  const config = rom.xml();
  const led = config.stringAttribute('led', 'led0');
  const period = config.numberAttribute('period_ms', 500);
  const count = config.numberAttribute('count', 4);
  await rom.close();
  const timer = await Timer.Connection.open(env);
  for (let blink = 1; blink <= count; blink++) {
    await timer.msleep(period);
    await env.log(`${led} ${blink % 2 === 1 ? 'on' : 'off'}`);
  }
  await env.parent.exit(0);
}
