/**
 * The program's `Date`: the host's `Date`, except that `Date.now()`, `new Date()` and `Date()` read
 * the program's wall time (the RTC at start plus the time elapsed since) instead of the machine's
 * clock, which a confined program does not reach. `now` gets the form the program used, as the name
 * of its use of time.
 */
export function programDate(now: (use: string) => number): DateConstructor {
  const HostDate = Date;
  function ProgramDate(this: unknown, ...args: unknown[]): Date | string {
    if (new.target === undefined) return new HostDate(now('Date()')).toString();
    if (args.length === 0) return new HostDate(now('new Date()'));
    return new (HostDate as unknown as new (...values: unknown[]) => Date)(...args);
  }
  Object.defineProperties(ProgramDate, {
    prototype: { value: HostDate.prototype, writable: false },
    now: { value: () => now('Date.now()'), writable: true, configurable: true },
    parse: { value: HostDate.parse, writable: true, configurable: true },
    UTC: { value: HostDate.UTC, writable: true, configurable: true },
  });
  return ProgramDate as unknown as DateConstructor;
}
