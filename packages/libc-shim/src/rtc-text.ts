import { LibcConfigError } from './libc-config.js';

/**
 * Reads the text of an RTC file (`2026-01-01 00:00:00`, as Genode's rtc file system writes it) as
 * milliseconds since the epoch, UTC.
 */
export function parseRtcText(text: string, path: string): number {
  const match = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
  if (match === null)
    throw new LibcConfigError(
      `<libc rtc="${path}">: the file does not hold a time such as "2026-01-01 00:00:00", but ` +
        `"${text.trim().slice(0, 40)}"`,
    );
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return Date.UTC(year as number, (month as number) - 1, day, hour, minute, second ?? 0);
}
