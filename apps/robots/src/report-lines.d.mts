import type { RobotCounts } from './robot.mjs';

/** The totals line's content. */
export interface FleetTotals {
  readonly sent: number;
  readonly acknowledged: number;
  readonly failed: number;
  readonly methods: number;
  readonly robots: Readonly<Record<string, RobotCounts>>;
}

type Counted = readonly { deviceId: string; counts: RobotCounts }[];

/** `3s robot-1 sent=60 acked=60 failed=0; robot-2 ...`. */
export declare function secondLine(seconds: number, robots: Counted): string;
/** `3s robots=5 sent=300 acked=300 failed=0 methods=1`. */
export declare function summaryLine(seconds: number, robots: Counted): string;
/** Sums and per robot counts. */
export declare function totals(robots: Counted): FleetTotals;
