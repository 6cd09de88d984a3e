import { Log } from '@os/runtime';
import { RpcObject, type ServerOf } from '@os/rpc';
import { boundedString } from './genode-text.js';

/** Capacity of the line a LOG session of dummy prints, as Genode's dummy (`String<100>`). */
export const LOG_MESSAGE_CAPACITY = 100;

const LINE_DELIMITER = '\x1b[0m\n';

/**
 * One session of dummy's LOG service (Genode's `Dummy::Log_service::Session_component`): each line
 * the client writes goes to `sink` as `[<label>] <text>`, cut at a trailing `ESC[0m` + newline and to
 * {@link LOG_MESSAGE_CAPACITY} - 1 characters. That bounds what one write prints below the LOG limit
 * (Genode's `Log_session::MAX_STRING_LEN`, 232): a write of any length (a megabyte, thousands of
 * control characters) prints one line of at most 99 characters, which the server's own LOG (core's)
 * then prints with control characters written out and line breaks as lines of their own, each under
 * the server's label.
 */
export class LogSessionComponent extends RpcObject<typeof Log> implements ServerOf<typeof Log> {
  /** The session's label, as the server sees it (`c`, `c -> 0`). */
  readonly label: string;
  readonly #sink: (line: string) => Promise<void>;

  /** A session labelled `label` whose lines go to `sink`. */
  constructor(label: string, sink: (line: string) => Promise<void>) {
    super(Log);
    this.label = label;
    this.#sink = sink;
  }

  /** Prints one line of the client (Log::write). */
  async write(text: string): Promise<void> {
    const end = text.indexOf(LINE_DELIMITER);
    await this.#sink(boundedString(`[${this.label}] ${end < 0 ? text : text.slice(0, end)}`, LOG_MESSAGE_CAPACITY));
  }
}
