// The three things every attack test asserts about the rest of the system.

import { expect } from 'vitest';
import type { AttackRun } from './system.js';

/**
 * The bystander got only correct answers and kept getting them after the attack; the server's
 * total is exactly the bystander's adds plus `attackerAdds` (refused requests changed nothing); the
 * server has as many sessions as before; and every PD's RAM and capabilities in init's state report,
 * and the attacker's own quota, are what they were before the attack.
 */
export function expectUnharmed(run: AttackRun<unknown>, attackerAdds = 0): void {
  const { system } = run;
  expect(system.bystander.wrong).toEqual([]);
  expect(system.bystander.errors).toEqual([]);
  expect(run.roundsAfter).toBeGreaterThanOrEqual(4);
  expect(system.server.total).toBe(system.bystander.rounds + attackerAdds);
  expect(run.open[1]).toBe(run.open[0]);
  expect(run.tables[1]).toEqual(run.tables[0]);
  expect(run.own[1]).toEqual(run.own[0]);
}
