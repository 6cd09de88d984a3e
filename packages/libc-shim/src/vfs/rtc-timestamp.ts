/** The length of {@link rtcTimestamp}'s text: `"1970-01-01 00:00:00\n"`. */
export const RTC_TIMESTAMP_LENGTH = 20;

/**
 * The text a read of Genode's `<rtc/>` file yields for the wall time `ms` (milliseconds since the
 * epoch, read as UTC): `YYYY-MM-DD HH:MM:SS` and a newline, 20 bytes, each field zero-padded
 * (`2026-04-17 16:18:59\n`).
 *
 * @remarks
 * From `repos/os/src/lib/vfs/rtc_file_system.h` of genodelabs/genode (2026-04): the file system
 * formats the RTC session's `Rtc::Timestamp` as `'%Y-%m-%d %H:%M:%S\n'` (year padded to 4 digits,
 * the rest to 2), `TIMESTAMP_LEN = 20`, and `stat` reports that size. Reads from a position take
 * the text from there on, and a read at or past 20 yields nothing. (Older Genode releases wrote
 * `'%Y-%m-%d %H:%M\n'`, 17 bytes; and Genode's `String::length()` counts the terminating NUL, so
 * its first read also copies a NUL after the newline, which this function leaves out.)
 */
export function rtcTimestamp(ms: number): string {
  const time = new Date(ms);
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  return (
    `${pad(time.getUTCFullYear(), 4)}-${pad(time.getUTCMonth() + 1, 2)}-${pad(time.getUTCDate(), 2)} ` +
    `${pad(time.getUTCHours(), 2)}:${pad(time.getUTCMinutes(), 2)}:${pad(time.getUTCSeconds(), 2)}\n`
  );
}
