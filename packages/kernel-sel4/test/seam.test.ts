import {
  CAP_SPACE_LEAF,
  CapSpaceExhaustedError,
  type Message,
  MessageTooLargeError,
  type TraceEvent,
} from '@os/kernel';
import { Protocol, SEAM_IPC_BUFFER_SIZE, Sel4SeamKernel } from '@os/kernel-sel4';
import { describe, expect, it } from 'vitest';

function setup() {
  const kernel = new Sel4SeamKernel({ capSpaceSize: 64 });
  const events: TraceEvent[] = [];
  const server = kernel.createPd('server');
  const client = kernel.createPd('client');
  kernel.grantQuota(server, { ram: 1 << 16, caps: 16 });
  kernel.grantQuota(client, { ram: 1 << 16, caps: 16 });
  const serverThread = kernel.createThread(server, 'server.ep');
  const clientThread = kernel.createThread(client, 'client.ep');
  const received: number[][] = [];
  serverThread.serve({
    onCall(_object, request) {
      received.push(request.capList());
      request.length = 0;
      request.capCount = 0;
    },
    onSignal() {},
  });
  const serverObject = serverThread.createRpcObject();
  const object = kernel.delegate(server, serverObject, client);
  kernel.setTrace((event) => events.push(event));
  return { kernel, events, server, client, serverThread, clientThread, object, serverObject, received };
}

describe('the seam adapter on seL4', () => {
  it('keeps selectors in leaf CNodes of 4096 slots that core adds as they are first used, as far as quota pays', () => {
    const kernel = new Sel4SeamKernel({ capSpaceSize: 64 });
    const leaves: string[] = [];
    kernel.setTrace((event) => {
      if (event.pd === 'receiver' && event.detail?.includes('CNode_Copy (leaf')) leaves.push(event.detail);
    });
    const receiver = kernel.createPd('receiver');
    const owner = kernel.createPd('owner');
    kernel.grantQuota(owner, { ram: 1 << 16, caps: 3 * CAP_SPACE_LEAF });
    const thread = kernel.createThread(owner, 'owner.ep');
    const fill = (): number => {
      for (let count = 0; ; count++) {
        try {
          kernel.delegate(owner, thread.createRpcObject(), receiver);
        } catch (error) {
          expect(error).toBeInstanceOf(CapSpaceExhaustedError);
          return count;
        }
      }
    };
    // selectors 1..63; CPtrs 64..127 are core's (the PD's kernel caps), in the same first leaf
    expect(fill()).toBe(63);
    expect(leaves).toEqual(['Untyped_Retype + CNode_Copy (leaf 0: CPtrs from 0)']);
    expect(Math.max(...kernel.capSpace(receiver).map((entry) => entry.selector))).toBe(63);
    kernel.grantQuota(receiver, { caps: 2 * CAP_SPACE_LEAF });
    expect(fill()).toBe(2 * CAP_SPACE_LEAF - 64);
    expect(leaves).toEqual([
      'Untyped_Retype + CNode_Copy (leaf 0: CPtrs from 0)',
      'Untyped_Retype + CNode_Copy (leaf 1: CPtrs from 4096)',
      'Untyped_Retype + CNode_Copy (leaf 2: CPtrs from 8192)',
    ]);
    const selectors = kernel.capSpace(receiver).map((entry) => entry.selector);
    expect(selectors.length).toBe(2 * CAP_SPACE_LEAF - 1);
    expect(selectors.some((selector) => selector >= 64 && selector < 128)).toBe(false);
    expect(Math.max(...selectors)).toBe(2 * CAP_SPACE_LEAF + 63);
  });

  it('refuses a reply from a handler whose thread has a call outstanding, and takes the reply after it', async () => {
    const kernel = new Sel4SeamKernel({ capSpaceSize: 64 });
    const pd = (label: string) => {
      const id = kernel.createPd(label);
      kernel.grantQuota(id, { ram: 1 << 16, caps: 16 });
      return { pd: id, thread: kernel.createThread(id, `${label}.ep`) };
    };
    const word = (message: Message, value: number) => {
      message.view.setUint32(0, value, true);
      message.length = 4;
      message.capCount = 0;
    };
    const back = pd('back');
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    back.thread.serve({
      async onCall() {
        await held;
        word(back.thread.utcb, 5);
        back.thread.reply();
      },
      onSignal() {},
    });
    const middle = pd('middle');
    const backInMiddle = kernel.delegate(back.pd, back.thread.createRpcObject(), middle.pd);
    let refusal = '';
    middle.thread.serve({
      async onCall() {
        word(middle.thread.utcb, 1);
        const out = middle.thread.call(backInMiddle);
        word(middle.thread.utcb, 42);
        try {
          middle.thread.reply();
        } catch (error) {
          refusal = (error as Error).message;
        }
        const answer = (await out).view.getUint32(0, true);
        word(middle.thread.utcb, 40 + answer);
        middle.thread.reply();
      },
      onSignal() {},
    });
    const client = pd('client');
    word(client.thread.utcb, 0);
    const reply = client.thread.call(kernel.delegate(middle.pd, middle.thread.createRpcObject(), client.pd));
    await kernel.settle();
    release();
    expect((await reply).view.getUint32(0, true)).toBe(45);
    expect(refusal).toBe(
      'thread "middle.ep" cannot reply while it has a call outstanding (blocked in seL4_Call until that call\'s ' +
        'reply); await the call, then reply',
    );
  });

  it('a call is seL4_Call on a badged endpoint cap and the server answers from seL4_ReplyRecv', () => {
    const { clientThread, object, events } = setup();
    clientThread.utcb.length = 3;
    clientThread.call(object);
    expect(
      events.filter((event) => event.operation === 'call' || event.operation === 'reply').map((event) => event.detail),
    ).toEqual(['seL4_Call', 'seL4_ReplyRecv']);
  });

  it(
    'carries four caps: the first new one through the kernel receive slot, the rest by core CNode_Copy, all named ' +
      'by key',
    () => {
      const { kernel, server, client, clientThread, object, events, received } = setup();
      const caps = [
        clientThread.createRpcObject(),
        clientThread.createSignalContext(1),
        clientThread.allocDataspace(10),
        object,
      ];
      clientThread.utcb.length = 0;
      clientThread.utcb.setCaps(caps);
      clientThread.call(object);
      const [first, second, third, own] = received[0] ?? [];
      const objectOf = (pd: number, selector: number | undefined) =>
        kernel.capSpace(pd).find((entry) => entry.selector === selector)?.object;
      for (const [i, selector] of [first, second, third].entries())
        expect(objectOf(server, selector)).toBe(objectOf(client, caps[i]));
      expect(objectOf(server, own)).toBe(objectOf(client, object));
      const details = events.map((event) => event.detail ?? '');
      expect(details.filter((detail) => detail.startsWith('CNode_Move (receive slot'))).toHaveLength(1);
      expect(details.filter((detail) => detail.startsWith('CNode_Copy (cap carry'))).toHaveLength(2);
      // sent again, every cap is already held: nothing travels, nothing is carried
      events.length = 0;
      clientThread.utcb.length = 0;
      clientThread.utcb.setCaps(caps);
      clientThread.call(object);
      expect(received[1]).toEqual(received[0]);
      expect(events.filter((event) => event.operation === 'native')).toEqual([]);
    },
  );

  it('dissolving an object revokes its original: every copy in every PD is gone', () => {
    const { kernel, server, client, serverThread, clientThread, object, serverObject, events } = setup();
    const other = kernel.createPd('other');
    const inOther = kernel.delegate(client, object, other);
    serverThread.dissolve(serverObject);
    expect(kernel.capSpace(other).some((entry) => entry.selector === inOther)).toBe(false);
    expect(kernel.capSpace(server)).toEqual([]);
    expect(clientThread.valid(object)).toBe(false);
    expect(events.map((event) => event.detail)).toContain('CNode_Revoke');
  });

  it('the IPC buffer holds 115 payload words after the five header registers; a longer message is refused', () => {
    const { kernel, clientThread, object } = setup();
    expect(kernel.ipcBufferSize).toBe(SEAM_IPC_BUFFER_SIZE);
    expect(SEAM_IPC_BUFFER_SIZE).toBe((120 - Protocol.MR_DATA) * 8);
    clientThread.utcb.bytes.fill(7);
    clientThread.utcb.length = SEAM_IPC_BUFFER_SIZE;
    expect((clientThread.call(object) as Message).length).toBe(0);
    clientThread.utcb.length = SEAM_IPC_BUFFER_SIZE + 1;
    expect(() => clientThread.call(object)).toThrow(MessageTooLargeError);
  });

  it('an entrypoint whose handler ended while its call waited is back in seL4_Recv once the reply came', async () => {
    const kernel = new Sel4SeamKernel({ capSpaceSize: 64 });
    const server = kernel.createPd('server');
    const client = kernel.createPd('client');
    kernel.grantQuota(server, { ram: 1 << 16, caps: 16 });
    kernel.grantQuota(client, { ram: 1 << 16, caps: 16 });
    const serverThread = kernel.createThread(server, 'server.ep');
    const clientThread = kernel.createThread(client, 'client.ep');
    serverThread.serve({
      async onCall() {
        await Promise.resolve();
        serverThread.utcb.length = 0;
        serverThread.reply();
      },
      onSignal() {},
    });
    const object = kernel.delegate(server, serverThread.createRpcObject(), client);
    let call: Promise<Message> | null = null;
    clientThread.serve({
      onCall() {},
      onSignal() {
        clientThread.utcb.length = 0;
        call = clientThread.call(object) as Promise<Message>;
      },
    });
    const calls: string[] = [];
    kernel.native.setTrace((event) => {
      if (event.thread === 'client.ep') calls.push(event.detail ?? '');
    });
    clientThread.submitSignal(clientThread.createSignalContext(1));
    await kernel.settle();
    await call;
    await kernel.settle();
    // the call the signal handler left waiting, then the receive the late reply sends the entrypoint back to
    expect(calls).toEqual(['seL4_Call', 'seL4_Recv']);
  });
});
