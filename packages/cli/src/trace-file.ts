import { openSync, writeSync } from 'node:fs';
import type { Clock, TraceEvent, TraceHook } from '@os/kernel';

/** The operation's name as the kernel itself calls it, where the backend says (`rpc_call`), else the seam's. */
function nativeName(event: TraceEvent): string {
  if (event.operation === 'fault' || event.operation === 'abort') return event.operation;
  const first = event.detail?.split(' ')[0];
  return first !== undefined && /^[A-Za-z][A-Za-z0-9_]*$/.test(first) ? first : event.operation;
}

/**
 * A trace hook writing JSON Lines: one kernel operation per line,
 * `{"t":virtual_us,"kernel":"hw","op":"rpc_call","pd":"<label>","args":{...},"result":null}`.
 */
export function traceToFile(path: string, kernel: string, clock: () => Clock): TraceHook {
  const file = openSync(path, 'w');
  return (event) => {
    const args: Record<string, unknown> = {};
    if (event.thread !== undefined) args['thread'] = event.thread;
    if (event.selector !== undefined) args['selector'] = event.selector;
    if (event.target !== undefined) args['target'] = event.target;
    if (event.bytes !== undefined) args['bytes'] = event.bytes;
    if (event.caps !== undefined && event.caps.length > 0) args['caps'] = event.caps;
    if (event.detail !== undefined && nativeName(event) !== event.detail) args['detail'] = event.detail;
    const line = {
      t: clock().now(),
      kernel,
      op: nativeName(event),
      pd: event.pd,
      args,
      result: event.operation === 'fault' || event.operation === 'abort' ? event.operation : null,
    };
    writeSync(file, `${JSON.stringify(line)}\n`);
  };
}
