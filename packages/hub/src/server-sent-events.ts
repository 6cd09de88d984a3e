/** One server-sent event: its `event` name (`message` when none) and its `data` lines joined. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
}

/** The most bytes one event may take before the reader gives up on the stream (a hub sends at most ~350 KB). */
const MAX_EVENT_BYTES = 1024 * 1024;

/** The events of a `text/event-stream` body, as they complete; comment lines are skipped. */
export async function* serverSentEvents(body: AsyncIterable<Buffer | string>): AsyncGenerator<ServerSentEvent> {
  let pending = '';
  for await (const chunk of body) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (pending.length > MAX_EVENT_BYTES)
      throw new RangeError(`an event of the stream is over ${MAX_EVENT_BYTES} bytes`);
    let end = pending.indexOf('\n\n');
    while (end >= 0) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
      end = pending.indexOf('\n\n');
    }
  }
}
