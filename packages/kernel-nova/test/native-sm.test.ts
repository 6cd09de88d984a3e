import { Crd, type SmResult, SmOp } from '@os/kernel-nova';
import { describe, expect, it } from 'vitest';
import { boot, expectStatus, flush, makeEc, makePd } from './fixture.js';

function semaphores() {
  const m = boot();
  const pd = makePd(m, 'pd');
  const ec = makeEc(m, pd, 'waiter', true).ec;
  return { m, pd, ec };
}

describe('semaphores', () => {
  it('count: downs take what ups gave, a down on zero blocks until the next up', async () => {
    const { m, pd } = semaphores();
    const sm = m.sel();
    expectStatus(m.kernel.create_sm(m.root, sm, pd, 2), 'SUCCESS');
    expectStatus(m.kernel.sm_ctrl(m.root, sm, SmOp.DOWN), 'SUCCESS');
    expectStatus(m.kernel.sm_ctrl(m.root, sm, SmOp.DOWN), 'SUCCESS');
    const blocked = m.kernel.sm_ctrl(m.root, sm, SmOp.DOWN) as Promise<SmResult>;
    expect(blocked).toBeInstanceOf(Promise);
    let woke = false;
    void blocked.then(() => {
      woke = true;
    });
    await flush();
    expect(woke).toBe(false);
    expectStatus(m.kernel.sm_ctrl(m.root, sm, SmOp.UP), 'SUCCESS');
    expectStatus((await blocked).status, 'SUCCESS');
    expectStatus(m.kernel.sm_ctrl(m.root, sm, SmOp.UP), 'SUCCESS');
    expectStatus(m.kernel.sm_ctrl(m.root, sm, SmOp.UP), 'SUCCESS');
    expectStatus(m.kernel.sm_ctrl(m.root, sm, SmOp.DOWNZERO), 'SUCCESS');
    expect(m.kernel.sm_ctrl(m.root, sm, SmOp.DOWN, m.clock.now() + 5)).toBeInstanceOf(Promise);
  });

  it('a down with a deadline ends with COM_TIM when the clock reaches it, not before', async () => {
    const { m, pd, ec } = semaphores();
    const sm = m.sel();
    expectStatus(m.kernel.create_sm(m.root, sm, pd, 0), 'SUCCESS');
    const waiting = m.kernel.sm_ctrl(m.root, sm, SmOp.DOWN, 1000) as Promise<SmResult>;
    let outcome: SmResult | null = null;
    void waiting.then((result) => {
      outcome = result;
    });
    await flush();
    expect(outcome).toBe(null);
    expect(m.clock.advance()).toBe(true);
    expect(m.clock.now()).toBe(1000);
    await flush();
    expectStatus(outcome!.status, 'COM_TIM');
    expect(ec.alive).toBe(true);
  });

  it(
    'a signal chained to a semaphore counts its ups; a down there yields its value and count, once per ' + 'delivery',
    async () => {
      const { m, pd } = semaphores();
      const receiver = m.sel();
      const first = m.sel();
      const second = m.sel();
      expectStatus(m.kernel.create_sm(m.root, receiver, pd, 0), 'SUCCESS');
      expectStatus(m.kernel.create_sm(m.root, first, pd, 0xaa, receiver), 'SUCCESS');
      expectStatus(m.kernel.create_sm(m.root, second, pd, 0xbb, receiver), 'SUCCESS');
      for (let i = 0; i < 3; i++) expectStatus(m.kernel.sm_ctrl(m.root, first, SmOp.UP), 'SUCCESS');
      expectStatus(m.kernel.sm_ctrl(m.root, second, SmOp.UP), 'SUCCESS');
      expectStatus(m.kernel.sm_ctrl(m.root, receiver, SmOp.DOWN), 'SUCCESS');
      expect([m.root.siValue, m.root.siCount]).toEqual([0xaa, 3]);
      expectStatus(m.kernel.sm_ctrl(m.root, receiver, SmOp.DOWN), 'SUCCESS');
      expect([m.root.siValue, m.root.siCount]).toEqual([0xbb, 1]);
      const waiting = m.kernel.sm_ctrl(m.root, receiver, SmOp.DOWN) as Promise<SmResult>;
      expectStatus(m.kernel.sm_ctrl(m.root, second, SmOp.UP), 'SUCCESS');
      expect(await waiting).toEqual({ status: 0, value: 0xbb, count: 1 });
      expectStatus(m.kernel.sm_ctrl(m.root, first, SmOp.DOWN), 'BAD_CAP');
      expectStatus(m.kernel.create_sm(m.root, m.sel(), pd, 0, first), 'BAD_CAP');
    },
  );

  it('destroying a semaphore wakes its waiters with BAD_CAP; up and down need their rights', async () => {
    const { m, pd, ec } = semaphores();
    const sm = m.sel();
    expectStatus(m.kernel.create_sm(m.root, sm, pd, 0), 'SUCCESS');
    const waiting = m.kernel.sm_ctrl(m.root, sm, SmOp.DOWN) as Promise<SmResult>;
    expectStatus(m.kernel.revoke(m.root, Crd.obj(sm, 0), true), 'SUCCESS');
    expectStatus((await waiting).status, 'BAD_CAP');
    const other = m.sel();
    expectStatus(m.kernel.create_sm(m.root, other, pd, 1), 'SUCCESS');
    const utcb = m.root.utcb;
    utcb.clear();
    expectStatus(m.kernel.sm_ctrl(ec, 0x40, SmOp.UP), 'BAD_CAP');
    expectStatus(m.kernel.sm_ctrl(m.root, other, 7), 'BAD_PAR');
  });
});
