/**
 * The program's `Date`: the host's `Date`, except that `Date.now()`, `new Date()` and `Date()` read
 * the program's wall time (the RTC at start plus the time elapsed on the timer) instead of the
 * machine's clock, which a confined program does not reach.
 */
export function programDate(now: () => number): DateConstructor {
  const HostDate = Date;
  function ProgramDate(this: unknown, ...args: unknown[]): Date | string {
    if (new.target === undefined) return new HostDate(now()).toString();
    if (args.length === 0) return new HostDate(now());
    return new (HostDate as unknown as new (...values: unknown[]) => Date)(...args);
  }
  Object.defineProperties(ProgramDate, {
    prototype: { value: HostDate.prototype, writable: false },
    now: { value: () => now(), writable: true, configurable: true },
    parse: { value: HostDate.parse, writable: true, configurable: true },
    UTC: { value: HostDate.UTC, writable: true, configurable: true },
  });
  return ProgramDate as unknown as DateConstructor;
}
