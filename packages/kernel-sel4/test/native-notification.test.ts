import { ObjectType, Rights, Sel4CapFault, Sel4Error, ThreadState, seL4_MessageInfo_new } from '@os/kernel-sel4';
import { describe, expect, it } from 'vitest';
import { CNODE, DEPTH, bootEnv } from './fixture.js';

const ASYNC = 1;
const SYNC = 2;
const empty = seL4_MessageInfo_new(0, 0, 0, 0);

function badgedEnv() {
  const env = bootEnv();
  const { kernel, root, alloc, freeSlot } = env;
  const badge = (object: number, value: number) => {
    const slot = freeSlot();
    expect(kernel.seL4_CNode_Mint(root, CNODE, slot, DEPTH, CNODE, object, DEPTH, Rights.seL4_AllRights, value)).toBe(
      Sel4Error.seL4_NoError,
    );
    return slot;
  };
  return {
    ...env,
    badge,
    notification: alloc(ObjectType.seL4_NotificationObject),
    endpoint: alloc(ObjectType.seL4_EndpointObject),
  };
}

describe('notifications', () => {
  it(
    'badges of signals OR into the word; seL4_Wait takes it, seL4_Poll returns 0 when nothing is ' + 'pending',
    async () => {
      const { kernel, badge, notification, helper } = badgedEnv();
      const signaller = helper('signaller');
      const waiter = helper('waiter');
      expect(kernel.seL4_Poll(waiter.tcb, notification)).toBe(0);
      kernel.seL4_Signal(signaller.tcb, badge(notification, 0b001));
      kernel.seL4_Signal(signaller.tcb, badge(notification, 0b100));
      kernel.seL4_Signal(signaller.tcb, badge(notification, 0b001));
      expect(await kernel.seL4_Wait(waiter.tcb, notification)).toBe(0b101);
      const waiting = kernel.seL4_Wait(waiter.tcb, notification);
      expect(waiter.tcb.state).toBe(ThreadState.BlockedOnNotification);
      kernel.seL4_Signal(signaller.tcb, badge(notification, 0b010));
      expect(await waiting).toBe(0b010);
    },
  );
});

describe('bound notifications (after sel4test binding.c)', () => {
  it(
    'BIND0001: a bound thread waiting on its endpoint gets both endpoint messages and notification signals, told ' +
      'apart by badge',
    async () => {
      const { kernel, root, badge, notification, endpoint, helper } = badgedEnv();
      const badgedNotification = badge(notification, ASYNC);
      const badgedEndpoint = badge(endpoint, SYNC);
      expect(kernel.seL4_TCB_BindNotification(root, 1, notification)).toBe(Sel4Error.seL4_NoError);
      const [asyncSender, syncSender] = [helper('async'), helper('sync')];
      const runs = 10;
      const counts = { [ASYNC]: 0, [SYNC]: 0 };
      for (let i = 0; i < runs; i++) {
        const first = kernel.seL4_Recv(root, endpoint);
        kernel.seL4_Signal(asyncSender.tcb, badgedNotification);
        counts[(await first).badge as 1 | 2]++;
        const second = kernel.seL4_Recv(root, endpoint);
        const sent = kernel.seL4_Send(syncSender.tcb, badgedEndpoint, empty);
        counts[(await second).badge as 1 | 2]++;
        await sent;
      }
      expect(counts).toEqual({ [ASYNC]: runs, [SYNC]: runs });
      expect(kernel.seL4_TCB_UnbindNotification(root, 1)).toBe(Sel4Error.seL4_NoError);
    },
  );

  it('BIND0002: a bound thread waiting on its bound notification receives the signals', async () => {
    const { kernel, root, badge, notification, helper } = badgedEnv();
    const badgedNotification = badge(notification, ASYNC);
    expect(kernel.seL4_TCB_BindNotification(root, 1, notification)).toBe(Sel4Error.seL4_NoError);
    const sender = helper('sender');
    let received = 0;
    for (let i = 0; i < 10; i++) {
      const waiting = kernel.seL4_Wait(root, notification);
      kernel.seL4_Signal(sender.tcb, badgedNotification);
      if ((await waiting) === ASYNC) received++;
    }
    expect(received).toBe(10);
    expect(kernel.seL4_TCB_UnbindNotification(root, 1)).toBe(Sel4Error.seL4_NoError);
  });

  it('BIND0003: the bound thread waits first, then another thread signals: it wakes', async () => {
    const { kernel, root, notification, helper } = badgedEnv();
    const [waiter, sender] = [helper('waiter'), helper('sender')];
    expect(kernel.seL4_TCB_BindNotification(root, waiter.cptr, notification)).toBe(Sel4Error.seL4_NoError);
    const waiting = kernel.seL4_Wait(waiter.tcb, notification);
    expect(waiter.tcb.state).toBe(ThreadState.BlockedOnNotification);
    kernel.seL4_Signal(sender.tcb, notification);
    await waiting;
    expect(waiter.tcb.state).toBe(ThreadState.Running);
  });

  it('BIND0004: another thread signals first, then the bound thread waits: the pending signal is taken at once', () => {
    const { kernel, root, notification, badge, helper } = badgedEnv();
    const [waiter, sender] = [helper('waiter'), helper('sender')];
    expect(kernel.seL4_TCB_BindNotification(root, waiter.cptr, notification)).toBe(Sel4Error.seL4_NoError);
    kernel.seL4_Signal(sender.tcb, badge(notification, 9));
    expect(kernel.seL4_Wait(waiter.tcb, notification)).toBe(9);
  });

  it(
    'binding refuses a second binding, a notification with waiters or bound elsewhere; others cannot wait on a ' +
      'bound notification',
    () => {
      const { kernel, root, notification, alloc, helper } = badgedEnv();
      const [bound, other] = [helper('bound'), helper('other')];
      const busy = alloc(ObjectType.seL4_NotificationObject);
      void kernel.seL4_Wait(other.tcb, busy);
      expect(kernel.seL4_TCB_BindNotification(root, bound.cptr, busy)).toBe(Sel4Error.seL4_IllegalOperation);
      expect(kernel.seL4_TCB_UnbindNotification(root, bound.cptr)).toBe(Sel4Error.seL4_IllegalOperation);
      expect(kernel.seL4_TCB_BindNotification(root, bound.cptr, notification)).toBe(Sel4Error.seL4_NoError);
      expect(kernel.seL4_TCB_BindNotification(root, bound.cptr, alloc(ObjectType.seL4_NotificationObject))).toBe(
        Sel4Error.seL4_IllegalOperation,
      );
      expect(kernel.seL4_TCB_BindNotification(root, 1, notification)).toBe(Sel4Error.seL4_IllegalOperation);
      const third = helper('third');
      expect(() => kernel.seL4_Wait(third.tcb, notification)).toThrow(Sel4CapFault);
      expect(third.tcb.state).toBe(ThreadState.Inactive);
    },
  );

  it(
    'a signal to a bound thread blocked on a reply does not wake it; it stays pending for its next ' + 'receive',
    async () => {
      const { kernel, root, notification, endpoint, badge, helper } = badgedEnv();
      const [caller, server] = [helper('caller'), helper('server')];
      expect(kernel.seL4_TCB_BindNotification(root, caller.cptr, notification)).toBe(Sel4Error.seL4_NoError);
      const serverWaiting = kernel.seL4_Recv(server.tcb, endpoint);
      const call = kernel.seL4_Call(caller.tcb, endpoint, empty);
      await serverWaiting;
      kernel.seL4_Signal(server.tcb, badge(notification, 5));
      expect(caller.tcb.state).toBe(ThreadState.BlockedOnReply);
      kernel.seL4_Reply(server.tcb, empty);
      await call;
      expect(kernel.seL4_NBRecv(caller.tcb, endpoint).badge).toBe(5);
    },
  );
});
