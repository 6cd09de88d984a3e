/**
 * The line printed each second: per robot what it sent, what was acknowledged and what failed so far, e.g.
 * `3s robot-1 sent=60 acked=60 failed=0; robot-2 sent=60 acked=59 failed=0`.
 *
 * @param {number} seconds since the start
 * @param {readonly { deviceId: string, counts: import('./robot.d.mts').RobotCounts }[]} robots
 */
export function secondLine(seconds, robots) {
  const entries = robots.map(
    ({ deviceId, counts }) => `${deviceId} sent=${counts.sent} acked=${counts.acknowledged} failed=${counts.failed}`,
  );
  return `${seconds}s ${entries.join('; ')}`;
}

/**
 * The line printed each second with `--quiet`: the sums over all robots, e.g.
 * `3s robots=5 sent=300 acked=300 failed=0 methods=1`.
 *
 * @param {number} seconds since the start
 * @param {readonly { deviceId: string, counts: import('./robot.d.mts').RobotCounts }[]} robots
 */
export function summaryLine(seconds, robots) {
  const sum = totals(robots);
  return (
    `${seconds}s robots=${robots.length} sent=${sum.sent} acked=${sum.acknowledged} failed=${sum.failed} ` +
    `methods=${sum.methods}`
  );
}

/**
 * The totals as printed at the end, one JSON line: sums and per robot `{ sent, acknowledged, failed, methods }`.
 *
 * @param {readonly { deviceId: string, counts: import('./robot.d.mts').RobotCounts }[]} robots
 * @returns {import('./report-lines.d.mts').FleetTotals}
 */
export function totals(robots) {
  /** @type {Record<string, import('./robot.d.mts').RobotCounts>} */
  const perRobot = {};
  let sent = 0;
  let acknowledged = 0;
  let failed = 0;
  let methods = 0;
  for (const { deviceId, counts } of robots) {
    perRobot[deviceId] = { ...counts };
    sent += counts.sent;
    acknowledged += counts.acknowledged;
    failed += counts.failed;
    methods += counts.methods;
  }
  return { sent, acknowledged, failed, methods, robots: perRobot };
}
