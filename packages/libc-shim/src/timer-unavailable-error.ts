import { CodedError } from '@os/kernel';

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The program asked for time (its first `Date.now()`, `performance.now()`, `setTimeout`, ...) and its component could
 * not open the Timer session the shim keeps time on: most often the component has no route to a Timer service. Ends
 * the program with exit value 1, as Genode's libc ends when its timer's session request is denied.
 */
export class TimerUnavailableError extends CodedError {
  /** Creates the error for the program's first use of time `use` (`Date.now()`), which the open failed with `cause`. */
  constructor(
    /** The program's first use of time, which opened the session. */
    readonly use: string,
    /** Why the session could not be opened (the session request's error). */
    override readonly cause: unknown,
  ) {
    super(
      `the program's first use of time (${use}) needs a Timer session, which its component could not open: ` +
        `${describe(cause)}; give the component a route to a Timer service (<service name="Timer"> in its <route> ` +
        'or the <default-route>)',
    );
  }
}
