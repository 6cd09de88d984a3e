import type { Env } from '@os/runtime';

/**
 * Writes text to the component's LOG session in the order it was written, one line per LOG line,
 * without making the writer wait: what a synchronous `console.log` in component code needs.
 */
export function orderedLog(env: Env): (text: string) => void {
  let queue: Promise<void> = Promise.resolve();
  return (text) => {
    queue = queue.then(() => env.log(text)).catch(() => undefined);
  };
}
