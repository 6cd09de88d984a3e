import {
  CapType,
  LookupFailure,
  ObjectType,
  Rights,
  Sel4CapFault,
  Sel4Error,
  ThreadState,
  seL4_MessageInfo_get_capsUnwrapped,
  seL4_MessageInfo_get_extraCaps,
  seL4_MessageInfo_get_label,
  seL4_MessageInfo_get_length,
  seL4_MessageInfo_new,
} from '@os/kernel-sel4';
import { describe, expect, it } from 'vitest';
import { CNODE, DEPTH, bootEnv, fill, mrs } from './fixture.js';

const EP = ObjectType.seL4_EndpointObject;
const tag = (length: number, extraCaps = 0) => seL4_MessageInfo_new(0, 0, extraCaps, length);
const range = (from: number, length: number) => Array.from({ length }, (_, i) => from + i);

describe('IPC (after sel4test ipc.c)', () => {
  it('IPC0001: seL4_Send + seL4_Recv carry 0..120 message registers; a longer tag is cut to 120', async () => {
    const { kernel, alloc, helper } = bootEnv();
    const ep = alloc(EP);
    const [a, b] = [helper('sender'), helper('receiver')];
    const seen: number[][] = [];
    const receiving = (async () => {
      for (let length = 0; length <= 123; length++) {
        const { info } = await kernel.seL4_Recv(b.tcb, ep);
        seen.push(mrs(b.tcb, seL4_MessageInfo_get_length(info)));
      }
    })();
    for (let length = 0; length <= 123; length++) {
      fill(a.tcb, Math.min(length, 120), 1000 * length);
      await kernel.seL4_Send(a.tcb, ep, tag(length));
    }
    await receiving;
    for (let length = 0; length <= 123; length++)
      expect(seen[length]).toEqual(range(1000 * length, Math.min(length, 120)));
  });

  it('a thread blocked in seL4_Call makes no system call: the refusal says it has a call outstanding', async () => {
    const { kernel, alloc, helper } = bootEnv();
    const ep = alloc(EP);
    const [client, server] = [helper('client'), helper('server')];
    const outstanding = (name: string, state: string) =>
      `thread "client" cannot make ${name}: it has a call outstanding (blocked in seL4_Call until its reply, ` +
      `ThreadState_${state}); a thread makes one call at a time: serialise the calls or make the other from another ` +
      'thread';
    fill(client.tcb, 1, 7);
    const call = kernel.seL4_Call(client.tcb, ep, tag(1));
    expect(client.tcb.state).toBe(ThreadState.BlockedOnSend);
    expect(() => kernel.seL4_Call(client.tcb, ep, tag(1))).toThrow(outstanding('seL4_Call', 'BlockedOnSend'));
    const { info } = await kernel.seL4_Recv(server.tcb, ep);
    expect(mrs(server.tcb, seL4_MessageInfo_get_length(info))).toEqual([7]);
    expect(client.tcb.state).toBe(ThreadState.BlockedOnReply);
    expect(() => kernel.seL4_Send(client.tcb, ep, tag(1))).toThrow(
      'thread "client" cannot make seL4_Send: it has a call outstanding (blocked in seL4_Call until its reply, ' +
        'ThreadState_BlockedOnReply); it makes no other system call until that reply: make this one after it, or ' +
        'from another thread',
    );
    fill(server.tcb, 1, 70);
    kernel.seL4_Reply(server.tcb, tag(1));
    const reply = await call;
    expect(mrs(client.tcb, seL4_MessageInfo_get_length(reply))).toEqual([70]);
    expect(client.tcb.state).toBe(ThreadState.Running);
    const waiting = kernel.seL4_Recv(server.tcb, ep);
    expect(waiting).toBeInstanceOf(Promise);
    expect(() => kernel.seL4_Recv(server.tcb, ep)).toThrow(
      'thread "server" cannot make seL4_Recv: it is not running (ThreadState_BlockedOnReceive)',
    );
  });

  it('IPC0002: seL4_Call + seL4_ReplyRecv: the server answers each call from its loop', async () => {
    const { kernel, alloc, helper } = bootEnv();
    const ep = alloc(EP);
    const [client, server] = [helper('client'), helper('server')];
    const serving = (async () => {
      let received = await kernel.seL4_Recv(server.tcb, ep);
      for (;;) {
        const length = seL4_MessageInfo_get_length(received.info);
        const values = mrs(server.tcb, length);
        fill(server.tcb, length, (values[0] ?? 0) + 1);
        received = await kernel.seL4_ReplyRecv(server.tcb, ep, tag(length));
      }
    })();
    for (const length of [0, 1, 7, 120]) {
      fill(client.tcb, length, 50);
      const info = await kernel.seL4_Call(client.tcb, ep, tag(length));
      expect(seL4_MessageInfo_get_length(info)).toBe(length);
      expect(mrs(client.tcb, length)).toEqual(range(51, length));
    }
    void serving;
  });

  it('IPC0003: seL4_Call answered by seL4_Reply then seL4_Recv; the reply cap is used up', async () => {
    const { kernel, alloc, helper, freeSlot, root } = bootEnv();
    const ep = alloc(EP);
    const [client, server] = [helper('client'), helper('server')];
    const serving = (async () => {
      for (;;) {
        const { info } = await kernel.seL4_Recv(server.tcb, ep);
        fill(server.tcb, 1, server.tcb.ipcBuffer.getMR(0) * 2);
        kernel.seL4_Reply(server.tcb, tag(seL4_MessageInfo_get_length(info)));
        const saved = freeSlot();
        expect(kernel.seL4_CNode_SaveCaller(server.tcb, CNODE, saved, DEPTH)).toBe(Sel4Error.seL4_NoError);
        expect(kernel.seL4_DebugCapIdentify(root, saved)).toBe(CapType.NullCap);
      }
    })();
    for (const value of [1, 21]) {
      fill(client.tcb, 1, value);
      await kernel.seL4_Call(client.tcb, ep, tag(1));
      expect(client.tcb.ipcBuffer.getMR(0)).toBe(value * 2);
    }
    void serving;
  });

  it('IPC0004: seL4_NBSend delivers only to a waiting receiver, else the message is dropped', async () => {
    const { kernel, alloc, helper } = bootEnv();
    const ep = alloc(EP);
    const [a, b] = [helper('sender'), helper('receiver')];
    fill(a.tcb, 1, 7);
    kernel.seL4_NBSend(a.tcb, ep, tag(1));
    expect(a.tcb.state).toBe(ThreadState.Running);
    expect(kernel.seL4_NBRecv(b.tcb, ep).badge).toBe(0);
    const waiting = kernel.seL4_Recv(b.tcb, ep);
    fill(a.tcb, 1, 8);
    kernel.seL4_NBSend(a.tcb, ep, tag(1));
    await waiting;
    expect(b.tcb.ipcBuffer.getMR(0)).toBe(8);
  });

  it(
    'transfers one new cap into the single receive slot; a second stops the transfer; caps to the endpoint itself ' +
      'arrive unwrapped as badges',
    async () => {
      const { kernel, root, alloc, freeSlot, helper } = bootEnv();
      const ep = alloc(EP);
      const [sender, receiver] = [helper('sender'), helper('receiver')];
      const badged = freeSlot();
      kernel.seL4_CNode_Mint(root, CNODE, badged, DEPTH, CNODE, ep, DEPTH, Rights.seL4_AllRights, 77);
      const [first, second] = [alloc(EP), alloc(ObjectType.seL4_NotificationObject)];
      const receiveSlot = freeSlot();
      receiver.tcb.ipcBuffer.setCapReceivePath(CNODE, receiveSlot, DEPTH);
      const waiting = kernel.seL4_Recv(receiver.tcb, ep);
      const buffer = sender.tcb.ipcBuffer;
      buffer.setCap(0, badged);
      buffer.setCap(1, first);
      buffer.setCap(2, second);
      await kernel.seL4_Send(sender.tcb, ep, tag(0, 3));
      const { info } = await waiting;
      expect(seL4_MessageInfo_get_capsUnwrapped(info)).toBe(0b001);
      expect(receiver.tcb.ipcBuffer.getBadge(0)).toBe(77);
      expect(seL4_MessageInfo_get_extraCaps(info)).toBe(2);
      expect(kernel.capAt(root, receiveSlot).object).toBe(kernel.capAt(root, first).object);
      // the slot is now full: the next message's cap is not transferred
      const again = kernel.seL4_Recv(receiver.tcb, ep);
      buffer.setCap(0, second);
      await kernel.seL4_Send(sender.tcb, ep, tag(0, 1));
      expect(seL4_MessageInfo_get_extraCaps((await again).info)).toBe(0);
      expect(kernel.capAt(root, receiveSlot).type).toBe(CapType.EndpointCap);
    },
  );
});

describe('IPC rights (after sel4test ipc_rights.c)', () => {
  it('IPCRIGHTS0001: seL4_Send needs write; without it the send is dropped', async () => {
    const { kernel, root, alloc, freeSlot, helper } = bootEnv();
    const ep = alloc(EP);
    const [sender, receiver] = [helper('sender'), helper('receiver')];
    for (let rights = 0; rights < 4; rights++) {
      const minted = freeSlot();
      kernel.seL4_CNode_Mint(root, CNODE, minted, DEPTH, CNODE, ep, DEPTH, rights, 0);
      const waiting = kernel.seL4_Recv(receiver.tcb, ep);
      if ((rights & Rights.seL4_CanWrite) === 0) {
        fill(sender.tcb, 1, 0xdeadbeef);
        expect(kernel.seL4_Send(sender.tcb, minted, tag(1))).toBeUndefined();
      }
      fill(sender.tcb, 1, 42);
      await kernel.seL4_Send(sender.tcb, ep, tag(1));
      await waiting;
      expect(receiver.tcb.ipcBuffer.getMR(0)).toBe(42);
    }
  });

  it('IPCRIGHTS0002: seL4_Recv needs read; without it the thread takes a capability fault', () => {
    const { kernel, root, alloc, freeSlot, helper } = bootEnv();
    const ep = alloc(EP);
    const minted = freeSlot();
    kernel.seL4_CNode_Mint(root, CNODE, minted, DEPTH, CNODE, ep, DEPTH, Rights.seL4_CanWrite, 0);
    const receiver = helper('receiver');
    let fault: unknown;
    try {
      void kernel.seL4_Recv(receiver.tcb, minted);
    } catch (error) {
      fault = error;
    }
    expect(fault).toBeInstanceOf(Sel4CapFault);
    expect((fault as Sel4CapFault).inReceivePhase).toBe(true);
    expect((fault as Sel4CapFault).lookupFailure).toBe(LookupFailure.seL4_MissingCapability);
    expect(receiver.tcb.state).toBe(ThreadState.Inactive);
  });

  it('IPCRIGHTS0003: a cap travels with seL4_Send only over a cap with the grant right', async () => {
    const { kernel, root, alloc, freeSlot, helper, isEmpty } = bootEnv();
    const ep = alloc(EP);
    const returnEp = alloc(EP);
    const [sender, receiver] = [helper('sender'), helper('receiver')];
    for (const rights of [Rights.seL4_CanWrite, Rights.seL4_CanWrite | Rights.seL4_CanGrant]) {
      const minted = freeSlot();
      kernel.seL4_CNode_Mint(root, CNODE, minted, DEPTH, CNODE, ep, DEPTH, rights, 0);
      const receiveSlot = freeSlot();
      receiver.tcb.ipcBuffer.setCapReceivePath(CNODE, receiveSlot, DEPTH);
      const waiting = kernel.seL4_Recv(receiver.tcb, ep);
      sender.tcb.ipcBuffer.setCap(0, returnEp);
      fill(sender.tcb, 1, 42);
      await kernel.seL4_Send(sender.tcb, minted, tag(1, 1));
      await waiting;
      expect(receiver.tcb.ipcBuffer.getMR(0)).toBe(42);
      expect(isEmpty(receiveSlot)).toBe((rights & Rights.seL4_CanGrant) === 0);
    }
  });

  it(
    'IPCRIGHTS0004: seL4_Call needs grant or grant-reply; without either the caller gets no reply cap and stays ' +
      'inactive',
    async () => {
      const { kernel, root, alloc, freeSlot, helper, isEmpty } = bootEnv();
      const ep = alloc(EP);
      const server = helper('server');
      for (const rights of [
        Rights.seL4_CanWrite,
        Rights.seL4_CanWrite | Rights.seL4_CanGrant,
        Rights.seL4_CanWrite | Rights.seL4_CanGrantReply,
      ]) {
        const client = helper(`client-${rights}`);
        const minted = freeSlot();
        kernel.seL4_CNode_Copy(root, CNODE, minted, DEPTH, CNODE, ep, DEPTH, rights);
        const waiting = kernel.seL4_Recv(server.tcb, ep);
        fill(client.tcb, 1, 1);
        const call = kernel.seL4_Call(client.tcb, minted, tag(1));
        await waiting;
        const saved = freeSlot();
        kernel.seL4_CNode_SaveCaller(server.tcb, CNODE, saved, DEPTH);
        if (rights === Rights.seL4_CanWrite) {
          expect(isEmpty(saved)).toBe(true);
          expect(client.tcb.state).toBe(ThreadState.Inactive);
        } else {
          expect(kernel.seL4_DebugCapIdentify(root, saved)).toBe(CapType.ReplyCap);
          fill(server.tcb, 1, 2);
          await kernel.seL4_Send(server.tcb, saved, tag(1));
          expect(isEmpty(saved)).toBe(true);
          await call;
          expect(client.tcb.ipcBuffer.getMR(0)).toBe(2);
        }
      }
    },
  );

  it(
    'IPCRIGHTS0005: whether a reply carries a cap depends on the grant right of the cap the server received ' + 'on',
    async () => {
      const { kernel, root, alloc, freeSlot, helper, isEmpty } = bootEnv();
      const ep = alloc(EP);
      const gift = alloc(EP);
      for (const rights of [Rights.seL4_CanRead, Rights.seL4_CanRead | Rights.seL4_CanGrant]) {
        const [client, server] = [helper('client'), helper('server')];
        const minted = freeSlot();
        kernel.seL4_CNode_Copy(root, CNODE, minted, DEPTH, CNODE, ep, DEPTH, rights);
        const receiveSlot = freeSlot();
        client.tcb.ipcBuffer.setCapReceivePath(CNODE, receiveSlot, DEPTH);
        const waiting = kernel.seL4_Recv(server.tcb, minted);
        const call = kernel.seL4_Call(client.tcb, ep, tag(0));
        await waiting;
        server.tcb.ipcBuffer.setCap(0, gift);
        kernel.seL4_Reply(server.tcb, tag(0, 1));
        await call;
        expect(isEmpty(receiveSlot)).toBe((rights & Rights.seL4_CanGrant) === 0);
      }
    },
  );
});

describe('cancelling badged sends (after sel4test endpoints.c)', () => {
  it(
    'CANCEL_BADGED_SENDS_0001: revoking a badge and cancelling its sends aborts exactly the callers queued with ' +
      'it',
    async () => {
      const { kernel, root, alloc, freeSlot, helper } = bootEnv();
      const ep = alloc(EP);
      const server = helper('server');
      const clients = Array.from({ length: 4 }, (_, i) => {
        const badged = freeSlot();
        const derived = freeSlot();
        kernel.seL4_CNode_Mint(root, CNODE, badged, DEPTH, CNODE, ep, DEPTH, Rights.seL4_AllRights, 200 + i);
        kernel.seL4_CNode_Copy(root, CNODE, derived, DEPTH, CNODE, badged, DEPTH, Rights.seL4_AllRights);
        return { badged, derived, thread: helper(`client${i}`) };
      });
      // the first call of each is served
      for (const [i, client] of clients.entries()) {
        const waiting = kernel.seL4_Recv(server.tcb, ep);
        fill(client.thread.tcb, 1, 100 + i);
        const call = kernel.seL4_Call(client.thread.tcb, client.derived, tag(1));
        const { badge } = await waiting;
        expect(server.tcb.ipcBuffer.getMR(0)).toBe(badge - 100);
        kernel.seL4_Reply(server.tcb, tag(1));
        await call;
      }
      // the second calls queue, nobody receives
      const outcomes: (number | null)[] = clients.map(() => null);
      const calls = clients.map(async (client, i) => {
        outcomes[i] = seL4_MessageInfo_get_label(await kernel.seL4_Call(client.thread.tcb, client.derived, tag(1)));
      });
      for (const [i, client] of clients.entries()) {
        expect(kernel.seL4_CNode_Revoke(root, CNODE, client.badged, DEPTH)).toBe(Sel4Error.seL4_NoError);
        expect(kernel.seL4_CNode_CancelBadgedSends(root, CNODE, client.badged, DEPTH)).toBe(Sel4Error.seL4_NoError);
        await new Promise((resolve) => setImmediate(resolve));
        expect(outcomes.map((outcome) => outcome === Sel4Error.seL4_InvalidCapability)).toEqual(
          clients.map((_, j) => j <= i),
        );
      }
      await Promise.all(calls);
    },
  );

  it(
    "CANCEL_BADGED_SENDS_0002: after revoke and cancel, a badge's derived caps are gone while other badges keep " +
      'working',
    async () => {
      const { kernel, root, alloc, freeSlot, helper } = bootEnv();
      const ep = alloc(EP);
      const server = helper('bouncer');
      const serving = (async () => {
        await kernel.seL4_Recv(server.tcb, ep);
        for (;;) await kernel.seL4_ReplyRecv(server.tcb, ep, tag(0));
      })();
      const helpers = Array.from({ length: 3 }, (_, i) => {
        const badged = freeSlot();
        const derived = freeSlot();
        kernel.seL4_CNode_Mint(root, CNODE, badged, DEPTH, CNODE, ep, DEPTH, Rights.seL4_AllRights, 200 + i);
        kernel.seL4_CNode_Copy(root, CNODE, derived, DEPTH, CNODE, badged, DEPTH, Rights.seL4_AllRights);
        return { badged, derived, thread: helper(`helper${i}`) };
      });
      const works = async (h: (typeof helpers)[number]) =>
        seL4_MessageInfo_get_label(await kernel.seL4_Call(h.thread.tcb, h.derived, tag(0))) !==
        Sel4Error.seL4_InvalidCapability;
      for (const h of helpers) expect(await works(h)).toBe(true);
      for (let i = 0; i < helpers.length; i++) {
        kernel.seL4_CNode_Revoke(root, CNODE, helpers[i]!.badged, DEPTH);
        kernel.seL4_CNode_CancelBadgedSends(root, CNODE, helpers[i]!.badged, DEPTH);
        const statuses = [];
        for (const h of helpers) statuses.push(await works(h));
        expect(statuses).toEqual(helpers.map((_, j) => j > i));
      }
      void serving;
    },
  );
});
