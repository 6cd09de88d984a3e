import { RpcObject, type ServerOf } from '@os/rpc';
import { logLines } from '../printable.js';
import { Log } from '../services.js';

/** core's LOG session: prints each line with the session's label. */
export class LogSession extends RpcObject<typeof Log> implements ServerOf<typeof Log> {
  constructor(
    /** The session's label, put in front of every line. */
    private readonly label: string,
    /** Where the lines go. */
    private readonly sink: (line: string) => void,
  ) {
    super(Log);
  }
  /**
   * Prints the client's text as `[label] line`, one line per line break in it, control characters
   * written out (Log::write), bounded as Genode's LOG: of a write longer than 232 characters
   * (`Log_session::MAX_STRING_LEN`) only the first 232 count, and no line prints more than 232
   * characters of text; what is cut ends with ` [cut]` (see `logLines`).
   */
  write(text: string): void {
    for (const line of logLines(text)) this.sink(`[${this.label}] ${line}`);
  }
}
