import {
  CAP_SPACE_LEAF,
  CallAbortedError,
  CapSpaceExhaustedError,
  DestroyedError,
  INVALID_SELECTOR,
  InvalidArgumentError,
  InvalidCapabilityError,
  MAX_CAPS_PER_MESSAGE,
  type Message,
  MessageTooLargeError,
  NotOwnerError,
  QuotaExceededError,
  ServerFaultError,
  ThreadStateError,
  TooManyCapabilitiesError,
  type TraceEvent,
} from '@os/kernel';
import {
  type HwEntry,
  HwKernel,
  type HwPd,
  type HwThread,
  type ObjectIdentity,
  type ObjectIdentityReference,
} from '@os/kernel-hw';
import { describe, expect, it } from 'vitest';

// ------------------------------------------------------------------ helpers

/** A new PD with `caps` capabilities and `ram` bytes of quota. */
function quotaPd(kernel: HwKernel, label: string, caps = 8, ram = 0): HwPd {
  const pd = kernel.new_pd(label);
  kernel.grant(pd, ram, caps);
  return pd;
}

/** What a recording server saw of one request. Received caps stay unacknowledged. */
interface SeenRequest {
  readonly badge: number;
  readonly word: number;
  readonly caps: readonly number[];
}

/**
 * A PD whose thread `label.ep` waits for requests, records them and replies with the word plus one, carrying no caps.
 */
function recordingServer(kernel: HwKernel, label: string): { pd: HwPd; thread: HwThread; requests: SeenRequest[] } {
  const pd = quotaPd(kernel, label);
  const thread = kernel.new_thread(pd, `${label}.ep`);
  const requests: SeenRequest[] = [];
  kernel.rpc_wait(thread, {
    request(badge, utcb) {
      requests.push({ badge, word: readWord(utcb), caps: utcb.capList() });
      writeWord(utcb, readWord(utcb) + 1);
    },
    signal() {},
  });
  return { pd, thread, requests };
}

/** A PD with one thread `label.ep` that does not wait: a pure caller. */
function callerPd(kernel: HwKernel, label: string, caps = 8, ram = 0): { pd: HwPd; thread: HwThread } {
  const pd = quotaPd(kernel, label, caps, ram);
  return { pd, thread: kernel.new_thread(pd, `${label}.ep`) };
}

/** Makes `value` the whole message, carrying `caps`. */
function writeWord(message: Message, value: number, caps: readonly number[] = []): void {
  message.view.setUint32(0, value, true);
  message.length = 4;
  message.setCaps(caps);
}

function readWord(message: Message): number {
  return message.view.getUint32(0, true);
}

/** The reply of a call that completed within `rpc_call` (the direct switch). */
function directReply(result: Message | Promise<Message>): Message {
  if (result instanceof Promise) throw new Error('expected the call to complete within rpc_call');
  return result;
}

/** The reply of a call that had to wait. */
function pendingReply(result: Message | Promise<Message>): Promise<Message> {
  if (!(result instanceof Promise)) throw new Error('expected the call to wait');
  return result;
}

/** Runs `action`, which must throw an instance of `type`, and returns what it threw. */
function thrown<E extends Error>(action: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected ${type.name}, nothing was thrown`);
}

/** Awaits `promise`, which must reject with an instance of `type`, and returns the rejection. */
async function rejected<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a rejection with ${type.name}`);
}

/** Lets queued microtasks (kernel drains, settled entries) run. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise the test opens when it wants an entry to go on. */
function gate(): { readonly promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function referenceOf(pd: HwPd, capId: number): ObjectIdentityReference {
  const reference = pd.table[capId];
  if (reference === undefined) throw new Error(`PD "${pd.label}" holds no reference under ${capId}`);
  return reference;
}

function identityOf(kernel: HwKernel, pd: HwPd, capId: number): ObjectIdentity {
  const identity = kernel.identity(pd, capId);
  if (identity === undefined) throw new Error(`PD "${pd.label}" has no live capability ${capId}`);
  return identity;
}

/** The PDs that hold a reference to `identity`, by label. */
function holders(identity: ObjectIdentity): string[] {
  return [...identity.references].map((reference) => reference.pd.label).sort();
}

// ------------------------------------------------------------------ tests

describe('hw native: capability ids and references', () => {
  it(
    'gives a PD one capability id per object identity however often it receives it, counting each reception in ' +
      'inUtcb',
    () => {
      const kernel = new HwKernel();
      const server = recordingServer(kernel, 'server');
      const mailbox = kernel.new_obj(server.thread);
      const client = callerPd(kernel, 'client');
      const mailboxInClient = kernel.cap_copy(server.pd, mailbox, client.pd);
      const gift = kernel.new_obj(client.thread);

      writeWord(client.thread.utcb, 1, [gift]);
      directReply(kernel.rpc_call(client.thread, mailboxInClient));
      writeWord(client.thread.utcb, 2, [gift, gift]);
      directReply(kernel.rpc_call(client.thread, mailboxInClient));

      const received = server.requests.map((request) => request.caps);
      expect(received).toEqual([[2], [2, 2]]);
      expect(referenceOf(server.pd, 2).identity).toBe(identityOf(kernel, client.pd, gift));
      expect(referenceOf(server.pd, 2).inUtcb).toBe(3);
      expect(server.pd.byIdentity.size).toBe(2);
      expect(holders(identityOf(kernel, client.pd, gift))).toEqual(['client', 'server']);
    },
  );

  it(
    'keeps a reference with unacknowledged receptions on cap_delete, and removes it once cap_ack acknowledged them ' +
      'all',
    () => {
      const kernel = new HwKernel();
      const server = recordingServer(kernel, 'server');
      const mailbox = kernel.new_obj(server.thread);
      const client = callerPd(kernel, 'client');
      const mailboxInClient = kernel.cap_copy(server.pd, mailbox, client.pd);
      const gift = kernel.new_obj(client.thread);
      const giftIdentity = identityOf(kernel, client.pd, gift);
      for (const word of [1, 2]) {
        writeWord(client.thread.utcb, word, [gift]);
        directReply(kernel.rpc_call(client.thread, mailboxInClient));
      }
      const giftInServer = server.requests[0]?.caps[0] ?? INVALID_SELECTOR;
      expect(giftInServer).toBe(2);

      expect(kernel.cap_delete(server.thread, giftInServer)).toBe(false);
      expect(kernel.identity(server.pd, giftInServer)).toBe(giftIdentity);
      kernel.cap_ack(server.thread, giftInServer);
      expect(referenceOf(server.pd, giftInServer).inUtcb).toBe(1);
      expect(kernel.cap_delete(server.thread, giftInServer)).toBe(false);
      kernel.cap_ack(server.thread, giftInServer);
      expect(kernel.cap_delete(server.thread, giftInServer)).toBe(true);

      expect(server.pd.table[giftInServer]).toBeUndefined();
      expect(kernel.identity(server.pd, giftInServer)).toBeUndefined();
      expect(holders(giftIdentity)).toEqual(['client']);
      expect(kernel.identity(client.pd, gift)).toBe(giftIdentity);
    },
  );

  it('acknowledges a cap_copy reception at once, so the copy can be deleted right away', () => {
    const kernel = new HwKernel();
    const owner = callerPd(kernel, 'owner');
    const object = kernel.new_obj(owner.thread);
    const receiver = callerPd(kernel, 'receiver');
    const first = kernel.cap_copy(owner.pd, object, receiver.pd);
    const second = kernel.cap_copy(owner.pd, object, receiver.pd);
    expect([first, second]).toEqual([1, 1]);
    expect(referenceOf(receiver.pd, first).inUtcb).toBe(0);
    expect(kernel.cap_delete(receiver.thread, first)).toBe(true);
  });

  it('throws InvalidCapabilityError on cap_delete of an id the PD does not hold', () => {
    const kernel = new HwKernel();
    const pd = callerPd(kernel, 'lonely');
    const error = thrown(() => kernel.cap_delete(pd.thread, 7), InvalidCapabilityError);
    expect(error.selector).toBe(7);
    expect(error.operation).toBe('cap_delete');
    expect(error.pd).toBe('lonely');
    expect(error.message).toBe(
      'cap_delete: selector 7 names no valid capability in PD "lonely" (never delegated to it, freed, or its object ' +
        'was dissolved)',
    );
    thrown(() => kernel.cap_delete(pd.thread, INVALID_SELECTOR), InvalidCapabilityError);
    const object = kernel.new_obj(pd.thread);
    expect(kernel.cap_delete(pd.thread, object)).toBe(true);
    thrown(() => kernel.cap_delete(pd.thread, object), InvalidCapabilityError);
  });

  it('reuses freed capability ids, last freed first, and a reused id names only the new object', () => {
    const kernel = new HwKernel();
    const server = recordingServer(kernel, 'server');
    const [x, y, z] = [kernel.new_obj(server.thread), kernel.new_obj(server.thread), kernel.new_obj(server.thread)];
    expect([x, y, z]).toEqual([1, 2, 3]);
    const client = callerPd(kernel, 'client');
    const xInClient = kernel.cap_copy(server.pd, x, client.pd);
    const yInClient = kernel.cap_copy(server.pd, y, client.pd);
    expect([xInClient, yInClient]).toEqual([1, 2]);

    kernel.cap_delete(client.thread, xInClient);
    kernel.cap_delete(client.thread, yInClient);
    const zInClient = kernel.cap_copy(server.pd, z, client.pd);
    const xAgain = kernel.cap_copy(server.pd, x, client.pd);
    expect([zInClient, xAgain]).toEqual([2, 1]);

    const yIdentity = identityOf(kernel, server.pd, y);
    expect(identityOf(kernel, client.pd, 2)).toBe(identityOf(kernel, server.pd, z));
    expect(holders(yIdentity)).toEqual(['server']);
    writeWord(client.thread.utcb, 10);
    expect(readWord(directReply(kernel.rpc_call(client.thread, 2)))).toBe(11);
    expect(server.requests.map((request) => request.badge)).toEqual([z]);
    expect(client.pd.table.length).toBe(3);
  });
});

describe('hw native: badges', () => {
  it(
    'keeps an owned object badge unique after the owner frees its own capability, and gives it back under that ' +
      'badge',
    () => {
      const kernel = new HwKernel();
      const server = recordingServer(kernel, 'server');
      const client = callerPd(kernel, 'client');
      const first = kernel.new_obj(server.thread);
      const held = kernel.cap_copy(server.pd, first, client.pd);
      expect(kernel.cap_delete(server.thread, first)).toBe(true);
      const second = kernel.new_obj(server.thread);
      expect(second).not.toBe(first);
      writeWord(client.thread.utcb, 1);
      directReply(kernel.rpc_call(client.thread, held));
      expect(server.requests.at(-1)?.badge).toBe(first);
      const back = kernel.cap_copy(client.pd, held, server.pd);
      expect(back).toBe(first);
      kernel.delete_obj(server.pd, first);
      const third = kernel.new_obj(server.thread);
      expect(third).toBe(first);
    },
  );

  it('refuses to delete a PD twice or grant it a negative amount', () => {
    const kernel = new HwKernel();
    const pd = quotaPd(kernel, 'once', 4, 4096);
    expect(() => kernel.grant(pd, -1, 0)).toThrow(InvalidArgumentError);
    expect(kernel.delete_pd(pd)).toEqual({ ram: 4096, caps: 4 });
    expect(() => kernel.delete_pd(pd)).toThrow(DestroyedError);
  });
});

describe('hw native: destroying objects', () => {
  it('removes every reference in every PD on delete_obj and refunds the owner', () => {
    const kernel = new HwKernel();
    const server = recordingServer(kernel, 'server');
    const object = kernel.new_obj(server.thread);
    const identity = identityOf(kernel, server.pd, object);
    const a = callerPd(kernel, 'a');
    const b = callerPd(kernel, 'b');
    const inA = kernel.cap_copy(server.pd, object, a.pd);
    const inB = kernel.cap_copy(server.pd, object, b.pd);
    expect(holders(identity)).toEqual(['a', 'b', 'server']);
    expect(server.pd.capUsed).toBe(1);

    kernel.delete_obj(server.pd, object);

    expect(identity.alive).toBe(false);
    expect(identity.references.size).toBe(0);
    for (const [pd, capId] of [
      [server.pd, object],
      [a.pd, inA],
      [b.pd, inB],
    ] as const) {
      expect(pd.table[capId]).toBeUndefined();
      expect(pd.byIdentity.has(identity)).toBe(false);
      expect(pd.freeIds).toEqual([capId]);
    }
    expect(server.pd.capUsed).toBe(0);
    expect(server.pd.owned.size).toBe(0);
    const error = thrown(() => kernel.rpc_call(a.thread, inA), InvalidCapabilityError);
    expect(error.operation).toBe('rpc_call');
    expect(server.requests).toEqual([]);
  });

  it(
    'aborts the calls queued at an object destroyed by delete_obj with CallAbortedError, and still serves the ' +
      'rest',
    async () => {
      const kernel = new HwKernel();
      const server = callerPd(kernel, 'server');
      const release = gate();
      const served: number[] = [];
      kernel.rpc_wait(server.thread, {
        async request(badge, utcb) {
          const word = readWord(utcb);
          served.push(badge);
          if (word === 1) await release.promise;
          writeWord(server.thread.utcb, word * 10);
          kernel.rpc_reply(server.thread);
        },
        signal() {},
      });
      const doomed = kernel.new_obj(server.thread);
      const survivor = kernel.new_obj(server.thread);
      const clients = [1, 2, 3].map((i) => callerPd(kernel, `client${i}`));
      const call = (index: number, object: number, word: number): Promise<Message> => {
        const client = clients[index] as { pd: HwPd; thread: HwThread };
        const capId = kernel.cap_copy(server.pd, object, client.pd);
        writeWord(client.thread.utcb, word);
        return pendingReply(kernel.rpc_call(client.thread, capId));
      };
      const busy = call(0, survivor, 1);
      const queuedAtDoomed = call(1, doomed, 2);
      const queuedAtSurvivor = call(2, survivor, 3);

      kernel.delete_obj(server.pd, doomed);

      const aborted = await rejected(queuedAtDoomed, CallAbortedError);
      expect(aborted.server).toBe('server.ep');
      expect(aborted.reason).toBe('the object was dissolved');
      expect(aborted.message).toBe('call to "server.ep" aborted: the object was dissolved');
      release.open();
      expect(readWord(await busy)).toBe(10);
      expect(readWord(await queuedAtSurvivor)).toBe(30);
      expect(served).toEqual([survivor, survivor]);
    },
  );

  it('refuses delete_obj by a PD that does not own the object with NotOwnerError and changes nothing', () => {
    const kernel = new HwKernel();
    const owner = callerPd(kernel, 'owner');
    const object = kernel.new_obj(owner.thread);
    const identity = identityOf(kernel, owner.pd, object);
    const holder = callerPd(kernel, 'holder');
    const inHolder = kernel.cap_copy(owner.pd, object, holder.pd);

    const error = thrown(() => kernel.delete_obj(holder.pd, inHolder), NotOwnerError);
    expect(error.selector).toBe(inHolder);
    expect(error.operation).toBe('delete_obj');
    expect(error.pd).toBe('holder');
    expect(error.message).toBe(
      'delete_obj: PD "holder" does not own the object behind selector 1; only its creator may do this',
    );
    expect(identity.alive).toBe(true);
    expect(holders(identity)).toEqual(['holder', 'owner']);
    expect(owner.pd.capUsed).toBe(1);
  });
});

describe('hw native: rpc', () => {
  it('refuses a second rpc_wait on the same thread with ThreadStateError', () => {
    const kernel = new HwKernel();
    const server = recordingServer(kernel, 'server');
    const entry: HwEntry = { request() {}, signal() {} };
    const error = thrown(() => kernel.rpc_wait(server.thread, entry), ThreadStateError);
    expect(error.message).toBe('thread "server.ep" already waits for requests');
  });

  it('refuses an rpc_call from a thread blocked in its own call with ThreadStateError, sending nothing', async () => {
    const kernel = new HwKernel();
    const server = quotaPd(kernel, 'server');
    const serverThread = kernel.new_thread(server, 'server.ep');
    const release = gate();
    const seen: number[] = [];
    kernel.rpc_wait(serverThread, {
      async request(_badge, utcb) {
        seen.push(readWord(utcb));
        await release.promise;
        writeWord(serverThread.utcb, 70);
        kernel.rpc_reply(serverThread);
      },
      signal() {},
    });
    const other = recordingServer(kernel, 'other');
    const client = callerPd(kernel, 'client');
    const held = kernel.cap_copy(server, kernel.new_obj(serverThread), client.pd);
    const idle = kernel.cap_copy(other.pd, kernel.new_obj(other.thread), client.pd);
    writeWord(client.thread.utcb, 7);
    const first = pendingReply(kernel.rpc_call(client.thread, held));
    expect(client.thread.calling).toBe(true);
    writeWord(client.thread.utcb, 8);
    const error = thrown(() => kernel.rpc_call(client.thread, idle), ThreadStateError);
    expect(error.message).toBe(
      'thread "client.ep" cannot call: it has a call outstanding and blocks until that call\'s reply; serialise the ' +
        'calls (await each reply before the next call) or make the other call from another thread',
    );
    thrown(() => kernel.rpc_call(client.thread, held), ThreadStateError);
    expect(other.requests).toEqual([]);
    release.open();
    expect(readWord(await first)).toBe(70);
    expect(seen).toEqual([7]);
    expect(client.thread.calling).toBe(false);
    writeWord(client.thread.utcb, 8);
    expect(readWord(directReply(kernel.rpc_call(client.thread, idle)))).toBe(9);
  });

  it('refuses rpc_reply from a thread with no caller with ThreadStateError', () => {
    const kernel = new HwKernel();
    const server = recordingServer(kernel, 'server');
    const error = thrown(() => kernel.rpc_reply(server.thread), ThreadStateError);
    expect(error.message).toBe('thread "server.ep" has no caller to reply to');
  });

  it(
    'lets the caller go on after an rpc_reply while the entry still works, and gives the thread no new request ' +
      'until the entry is done',
    async () => {
      const kernel = new HwKernel();
      const server = callerPd(kernel, 'server');
      const replyNow = gate();
      const finish = gate();
      const steps: string[] = [];
      kernel.rpc_wait(server.thread, {
        async request(_badge, utcb) {
          const word = readWord(utcb);
          steps.push(`request ${word}`);
          await replyNow.promise;
          writeWord(server.thread.utcb, word + 100);
          kernel.rpc_reply(server.thread);
          steps.push(`replied ${word}`);
          await finish.promise;
          steps.push(`done ${word}`);
        },
        signal() {},
      });
      const object = kernel.new_obj(server.thread);
      const first = callerPd(kernel, 'first');
      const second = callerPd(kernel, 'second');
      writeWord(first.thread.utcb, 1);
      const firstReply = pendingReply(kernel.rpc_call(first.thread, kernel.cap_copy(server.pd, object, first.pd)));

      replyNow.open();
      expect(readWord(await firstReply)).toBe(101);
      expect(steps).toEqual(['request 1', 'replied 1']);

      writeWord(second.thread.utcb, 2);
      const secondReply = pendingReply(kernel.rpc_call(second.thread, kernel.cap_copy(server.pd, object, second.pd)));
      await flush();
      expect(steps).toEqual(['request 1', 'replied 1']);
      expect(server.thread.serving).toBe(true);

      finish.open();
      expect(readWord(await secondReply)).toBe(102);
      await flush();
      expect(steps).toEqual(['request 1', 'replied 1', 'done 1', 'request 2', 'replied 2', 'done 2']);
    },
  );

  it('completes the call within rpc_call when the entry replies before its first await', async () => {
    const kernel = new HwKernel();
    const server = callerPd(kernel, 'server');
    const finish = gate();
    let finished = false;
    kernel.rpc_wait(server.thread, {
      async request(_badge, utcb) {
        writeWord(utcb, readWord(utcb) * 2);
        kernel.rpc_reply(server.thread);
        await finish.promise;
        finished = true;
      },
      signal() {},
    });
    const object = kernel.new_obj(server.thread);
    const client = callerPd(kernel, 'client');
    writeWord(client.thread.utcb, 21);
    const reply = directReply(kernel.rpc_call(client.thread, kernel.cap_copy(server.pd, object, client.pd)));
    expect(readWord(reply)).toBe(42);
    expect(finished).toBe(false);
    expect(server.thread.serving).toBe(true);
    finish.open();
    await flush();
    expect(finished).toBe(true);
    expect(server.thread.serving).toBe(false);
  });

  it('gives the caller the reply an entry sent before it threw, and keeps serving', async () => {
    const kernel = new HwKernel();
    const server = callerPd(kernel, 'server');
    const events: TraceEvent[] = [];
    kernel.rpc_wait(server.thread, {
      request(_badge, utcb) {
        const word = readWord(utcb);
        writeWord(utcb, word + 1);
        kernel.rpc_reply(server.thread);
        if (word === 1) throw new Error('broke after answering');
      },
      signal() {},
    });
    const object = kernel.new_obj(server.thread);
    const client = callerPd(kernel, 'client');
    const capId = kernel.cap_copy(server.pd, object, client.pd);
    kernel.setTrace((event) => events.push(event));
    writeWord(client.thread.utcb, 1);
    expect(readWord(directReply(kernel.rpc_call(client.thread, capId)))).toBe(2);
    expect(events.filter((event) => event.operation === 'fault').map((event) => event.detail)).toEqual([
      'Error: broke after answering',
    ]);
    expect(server.thread.serving).toBe(false);
    expect(client.thread.outgoing.size).toBe(0);
    writeWord(client.thread.utcb, 5);
    expect(readWord(directReply(kernel.rpc_call(client.thread, capId)))).toBe(6);
  });

  it('gives the caller a ServerFaultError when the entry throws without replying', () => {
    const kernel = new HwKernel();
    const server = callerPd(kernel, 'server');
    kernel.rpc_wait(server.thread, {
      request() {
        throw new TypeError('bad request');
      },
      signal() {},
    });
    const object = kernel.new_obj(server.thread);
    const client = callerPd(kernel, 'client');
    writeWord(client.thread.utcb, 0);
    const error = thrown(
      () => kernel.rpc_call(client.thread, kernel.cap_copy(server.pd, object, client.pd)),
      ServerFaultError,
    );
    expect(error.server).toBe('server.ep');
    expect(error.fault).toBe('TypeError: bad request');
  });

  it('drops the reply to a caller destroyed mid-call and leaves the replying server unharmed', async () => {
    const kernel = new HwKernel();
    const server = callerPd(kernel, 'server');
    const release = gate();
    const replyErrors: unknown[] = [];
    kernel.rpc_wait(server.thread, {
      async request(_badge, utcb) {
        const word = readWord(utcb);
        if (word === 1) await release.promise;
        writeWord(server.thread.utcb, word + 1);
        try {
          kernel.rpc_reply(server.thread);
        } catch (error) {
          replyErrors.push(error);
        }
      },
      signal() {},
    });
    const object = kernel.new_obj(server.thread);
    const doomed = callerPd(kernel, 'doomed');
    writeWord(doomed.thread.utcb, 1);
    const lost = pendingReply(kernel.rpc_call(doomed.thread, kernel.cap_copy(server.pd, object, doomed.pd)));
    let lostSettled = false;
    lost.then(
      () => (lostSettled = true),
      () => (lostSettled = true),
    );
    kernel.delete_pd(doomed.pd);
    release.open();
    await flush();
    expect(replyErrors).toEqual([]);
    expect(lostSettled).toBe(false);
    expect(server.thread.serving).toBe(false);

    const next = callerPd(kernel, 'next');
    writeWord(next.thread.utcb, 7);
    expect(readWord(await kernel.rpc_call(next.thread, kernel.cap_copy(server.pd, object, next.pd)))).toBe(8);
  });

  it(
    'refuses a utcb carrying more than MAX_CAPS_PER_MESSAGE caps with TooManyCapabilitiesError before the entry ' +
      'runs',
    () => {
      const kernel = new HwKernel();
      const server = recordingServer(kernel, 'server');
      const object = kernel.new_obj(server.thread);
      const client = callerPd(kernel, 'client');
      const capId = kernel.cap_copy(server.pd, object, client.pd);
      writeWord(client.thread.utcb, 0, [capId, capId, capId, capId]);
      client.thread.utcb.capCount = MAX_CAPS_PER_MESSAGE + 1;
      const error = thrown(() => kernel.rpc_call(client.thread, capId), TooManyCapabilitiesError);
      expect(error.count).toBe(5);
      expect(error.limit).toBe(4);
      expect(error.message).toBe('message carries 5 capabilities; at most 4 fit in one message');
      expect(server.requests).toEqual([]);
      expect(server.thread.serving).toBe(false);
    },
  );

  it('refuses a utcb whose length exceeds its capacity with MessageTooLargeError before the entry runs', () => {
    const kernel = new HwKernel({ utcbSize: 64 });
    const server = recordingServer(kernel, 'server');
    const object = kernel.new_obj(server.thread);
    const client = callerPd(kernel, 'client');
    const capId = kernel.cap_copy(server.pd, object, client.pd);
    writeWord(client.thread.utcb, 0);
    client.thread.utcb.length = 65;
    const error = thrown(() => kernel.rpc_call(client.thread, capId), MessageTooLargeError);
    expect(error.size).toBe(65);
    expect(error.limit).toBe(64);
    expect(server.requests).toEqual([]);
    client.thread.utcb.length = 64;
    directReply(kernel.rpc_call(client.thread, capId));
    expect(server.requests.length).toBe(1);
  });
});

describe('hw native: signals', () => {
  /** A PD whose thread `sig.ep` receives signals of one context (imprint 42); `sig.submitter` submits. */
  function signalSetup(waiting: boolean) {
    const kernel = new HwKernel();
    const pd = quotaPd(kernel, 'sig');
    const receiverThread = kernel.new_thread(pd, 'sig.ep');
    const submitter = kernel.new_thread(pd, 'sig.submitter');
    const receiver = kernel.new_signal_receiver(receiverThread);
    const context = kernel.new_signal_context(pd, receiver, 42);
    const deliveries: [context: number, imprint: number, count: number][] = [];
    if (waiting) {
      kernel.rpc_wait(receiverThread, {
        request() {},
        signal(capId, imprint, count) {
          deliveries.push([capId, imprint, count]);
        },
      });
    }
    return { kernel, receiverThread, submitter, receiver, context, deliveries };
  }

  it('delivers a signal context once until signal_ack, then with the count submitted meanwhile', async () => {
    const { kernel, receiverThread, submitter, context, deliveries } = signalSetup(true);
    kernel.signal_submit(submitter, context, 1);
    await flush();
    expect(deliveries).toEqual([[context, 42, 1]]);

    kernel.signal_submit(submitter, context, 2);
    kernel.signal_submit(submitter, context, 3);
    await flush();
    expect(deliveries).toEqual([[context, 42, 1]]);

    kernel.signal_ack(receiverThread, context);
    await flush();
    expect(deliveries).toEqual([
      [context, 42, 1],
      [context, 42, 5],
    ]);
    kernel.signal_ack(receiverThread, context);
    await flush();
    expect(deliveries.length).toBe(2);
  });

  it(
    'takes a pending delivery with signal_pending without running the entry, and returns null when none is ' +
      'pending',
    async () => {
      const { kernel, receiverThread, submitter, receiver, context, deliveries } = signalSetup(true);
      expect(kernel.signal_pending(receiverThread, receiver)).toBeNull();
      kernel.signal_submit(submitter, context, 3);
      expect(kernel.signal_pending(receiverThread, receiver)).toEqual({ context, imprint: 42, count: 3 });
      expect(kernel.signal_pending(receiverThread, receiver)).toBeNull();

      kernel.signal_submit(submitter, context, 1);
      expect(kernel.signal_pending(receiverThread, receiver)).toBeNull();
      await flush();
      expect(deliveries).toEqual([]);

      kernel.signal_ack(receiverThread, context);
      expect(kernel.signal_pending(receiverThread, receiver)).toEqual({ context, imprint: 42, count: 1 });
      await flush();
      expect(deliveries).toEqual([]);
    },
  );

  it('drops pending submits on signal_kill and refuses later submits with InvalidCapabilityError', async () => {
    const { kernel, receiverThread, submitter, receiver, context, deliveries } = signalSetup(true);
    kernel.signal_submit(submitter, context, 4);
    kernel.signal_kill(receiverThread, context);
    await flush();
    expect(deliveries).toEqual([]);
    expect(kernel.signal_pending(receiverThread, receiver)).toBeNull();

    const error = thrown(() => kernel.signal_submit(submitter, context, 1), InvalidCapabilityError);
    expect(error.selector).toBe(context);
    expect(error.operation).toBe('signal_submit (context killed)');
    expect(error.pd).toBe('sig');
    kernel.signal_ack(receiverThread, context);
    await flush();
    expect(deliveries).toEqual([]);
  });
});

describe('hw native: threads and PDs', () => {
  it('aborts the call a destroyed thread was serving and the calls queued at it', async () => {
    const kernel = new HwKernel();
    const server = callerPd(kernel, 'server');
    const never = gate();
    kernel.rpc_wait(server.thread, {
      async request() {
        await never.promise;
      },
      signal() {},
    });
    const object = kernel.new_obj(server.thread);
    const calls = [1, 2, 3].map((i) => {
      const client = callerPd(kernel, `client${i}`);
      writeWord(client.thread.utcb, i);
      return pendingReply(kernel.rpc_call(client.thread, kernel.cap_copy(server.pd, object, client.pd)));
    });
    await flush();
    expect(server.thread.queue.length).toBe(2);

    kernel.delete_thread(server.thread);

    for (const call of calls) {
      const error = await rejected(call, CallAbortedError);
      expect(error.message).toBe('call to "server.ep" aborted: thread "server.ep" was destroyed');
    }
    expect(server.thread.queue.length).toBe(0);
    const late = callerPd(kernel, 'late');
    writeWord(late.thread.utcb, 0);
    const error = thrown(
      () => kernel.rpc_call(late.thread, kernel.cap_copy(server.pd, object, late.pd)),
      CallAbortedError,
    );
    expect(error.reason).toBe('its thread was destroyed');
  });

  it('returns the quota limits of a destroyed PD and removes its references from the other PDs', () => {
    const kernel = new HwKernel();
    const doomed = callerPd(kernel, 'doomed', 4, 3 * 4096);
    const object = kernel.new_obj(doomed.thread);
    const dataspace = kernel.ram_alloc(doomed.pd, 100);
    const other = callerPd(kernel, 'other');
    const otherObject = kernel.new_obj(other.thread);
    const otherIdentity = identityOf(kernel, other.pd, otherObject);
    const objectInOther = kernel.cap_copy(doomed.pd, object, other.pd);
    const dataspaceInOther = kernel.cap_copy(doomed.pd, dataspace, other.pd);
    kernel.cap_copy(other.pd, otherObject, doomed.pd);
    const view = kernel.ram_attach(other.pd, dataspaceInOther);
    expect(view.length).toBe(100);
    expect(holders(otherIdentity)).toEqual(['doomed', 'other']);

    expect(kernel.delete_pd(doomed.pd)).toEqual({ ram: 3 * 4096, caps: 4 });

    expect(kernel.identity(other.pd, objectInOther)).toBeUndefined();
    expect(kernel.identity(other.pd, dataspaceInOther)).toBeUndefined();
    expect(other.pd.table).toEqual([undefined, other.pd.table[1], undefined, undefined]);
    expect(holders(otherIdentity)).toEqual(['other']);
    expect(view.length).toBe(0);
    expect(doomed.pd.alive).toBe(false);
    expect(thrown(() => kernel.pd(doomed.pd.id), DestroyedError).message).toBe(
      `PD ${doomed.pd.id} was destroyed and can no longer be used`,
    );
    expect([...kernel.pds()].map((pd) => pd.label)).toEqual(['other']);
  });
});

describe('hw native: quota', () => {
  it('refuses new_obj past the cap quota with QuotaExceededError and changes nothing', () => {
    const kernel = new HwKernel();
    const owner = callerPd(kernel, 'owner', 1);
    expect(kernel.new_obj(owner.thread)).toBe(1);
    const error = thrown(() => kernel.new_obj(owner.thread), QuotaExceededError);
    expect([error.pd, error.kind, error.needed, error.available]).toEqual(['owner', 'caps', 1, 0]);
    expect(error.message).toBe('PD "owner" is out of capability quota: needs 1, has 0 left; upgrade its quota');
    expect([owner.pd.capUsed, owner.pd.capLimit, owner.pd.owned.size, owner.pd.table.length]).toEqual([1, 1, 1, 2]);
    kernel.grant(owner.pd, 0, 1);
    expect(kernel.new_obj(owner.thread)).toBe(2);
  });

  it('refuses ram_alloc past the RAM or cap quota with QuotaExceededError and changes nothing', () => {
    const kernel = new HwKernel();
    const owner = callerPd(kernel, 'owner', 2, 2 * 4096);
    expect(kernel.ram_alloc(owner.pd, 4097)).toBe(1);
    expect(owner.pd.ramUsed).toBe(8192);
    const ramError = thrown(() => kernel.ram_alloc(owner.pd, 1), QuotaExceededError);
    expect([ramError.kind, ramError.needed, ramError.available]).toEqual(['ram', 4096, 0]);
    expect(ramError.message).toBe('PD "owner" is out of RAM quota: needs 4K, has 0 bytes left; upgrade its quota');
    expect([owner.pd.ramUsed, owner.pd.capUsed, owner.pd.table.length]).toEqual([8192, 1, 2]);

    kernel.grant(owner.pd, 4096, 0);
    expect(kernel.new_obj(owner.thread)).toBe(2);
    const capError = thrown(() => kernel.ram_alloc(owner.pd, 10), QuotaExceededError);
    expect([capError.kind, capError.needed, capError.available]).toEqual(['caps', 1, 0]);
    expect([owner.pd.ramUsed, owner.pd.capUsed, owner.pd.table.length]).toEqual([8192, 2, 3]);
  });

  it(
    'refuses to transfer negative or non-integer amounts with InvalidArgumentError and leaves both PDs ' + 'unchanged',
    () => {
      const kernel = new HwKernel();
      const from = quotaPd(kernel, 'from', 4, 8192);
      const to = quotaPd(kernel, 'to', 1, 4096);
      const amounts: [ram: number, caps: number][] = [
        [-4096, 0],
        [0, -1],
        [0.5, 0],
        [0, 1.5],
        [Number.NaN, 0],
        [Number.POSITIVE_INFINITY, 0],
      ];
      for (const [ram, caps] of amounts) {
        const error = thrown(() => kernel.transfer(from, to, ram, caps), InvalidArgumentError);
        expect(error.message).toBe(`quota transfer needs non-negative integers, got ram=${ram} caps=${caps}`);
      }
      expect([from.ramLimit, from.capLimit, to.ramLimit, to.capLimit]).toEqual([8192, 4, 4096, 1]);
    },
  );

  it('refuses a transfer that overdraws the giver with QuotaExceededError and leaves both PDs unchanged', () => {
    const kernel = new HwKernel();
    const from = callerPd(kernel, 'from', 2, 8192);
    const to = quotaPd(kernel, 'to', 0, 0);
    kernel.ram_alloc(from.pd, 4096);
    const limits = (): number[] => [
      from.pd.ramLimit,
      from.pd.ramUsed,
      from.pd.capLimit,
      from.pd.capUsed,
      to.ramLimit,
      to.capLimit,
    ];
    const before = limits();

    const ramError = thrown(() => kernel.transfer(from.pd, to, 8192, 0), QuotaExceededError);
    expect([ramError.pd, ramError.kind, ramError.needed, ramError.available]).toEqual(['from', 'ram', 8192, 4096]);
    const capError = thrown(() => kernel.transfer(from.pd, to, 4096, 2), QuotaExceededError);
    expect([capError.kind, capError.needed, capError.available]).toEqual(['caps', 2, 1]);
    expect(limits()).toEqual(before);

    kernel.transfer(from.pd, to, 4096, 1);
    expect(limits()).toEqual([4096, 4096, 1, 1, 4096, 1]);
  });

  it('gives a PD as many capability ids as its cap quota pays for in whole leaves, at least the base', () => {
    const kernel = new HwKernel({ capSpaceSize: 16 });
    const pd = quotaPd(kernel, 'pd', 0);
    const other = quotaPd(kernel, 'other', 0);
    expect(pd.capSpaceSize).toBe(16);
    kernel.grant(pd, 0, CAP_SPACE_LEAF + 5);
    expect(pd.capSpaceSize).toBe(CAP_SPACE_LEAF);
    const owner = quotaPd(kernel, 'owner', 2 * CAP_SPACE_LEAF);
    const thread = kernel.new_thread(owner, 'owner.ep');
    const ids: number[] = [];
    for (let i = 0; i < CAP_SPACE_LEAF; i++) ids.push(kernel.cap_copy(owner, kernel.new_obj(thread), pd));
    expect(ids.at(-1)).toBe(CAP_SPACE_LEAF);
    const full = thrown(() => kernel.cap_copy(owner, kernel.new_obj(thread), pd), CapSpaceExhaustedError);
    expect([full.pd, full.size]).toEqual(['pd', CAP_SPACE_LEAF]);

    kernel.transfer(pd, other, 0, 6);
    expect(pd.capSpaceSize).toBe(16);
    expect(ids.every((capId) => pd.lookup(capId) !== undefined)).toBe(true);
    thrown(() => kernel.cap_copy(owner, kernel.new_obj(thread), pd), CapSpaceExhaustedError);
  });
});

describe('hw native: trace', () => {
  it('reports the native call behind each traced operation in detail', () => {
    const kernel = new HwKernel();
    const events: TraceEvent[] = [];
    kernel.setTrace((event) => events.push(event));
    const server = recordingServer(kernel, 'server');
    const object = kernel.new_obj(server.thread);
    const client = callerPd(kernel, 'client');
    kernel.setTrace(null);
    const capId = kernel.cap_copy(server.pd, object, client.pd);
    kernel.setTrace((event) => events.push(event));
    writeWord(client.thread.utcb, 3);
    directReply(kernel.rpc_call(client.thread, capId));
    kernel.cap_delete(client.thread, capId);
    kernel.delete_obj(server.pd, object);
    kernel.delete_thread(client.thread);
    kernel.delete_pd(client.pd);

    expect(events.map((event) => [event.operation, event.detail])).toEqual([
      ['create-pd', 'new_pd'],
      ['create-thread', 'new_thread'],
      ['create-object', 'new_obj'],
      ['create-pd', 'new_pd'],
      ['create-thread', 'new_thread'],
      ['call', 'rpc_call'],
      ['reply', 'rpc_reply_and_wait'],
      ['free', 'cap_delete'],
      ['dissolve', 'delete_obj'],
      ['destroy-thread', 'delete_thread'],
      ['destroy-pd', 'delete_pd'],
    ]);
    expect(events[5]).toEqual({
      operation: 'call',
      pd: 'client',
      thread: 'client.ep',
      selector: capId,
      target: 'server.ep',
      bytes: 4,
      caps: [],
      detail: 'rpc_call',
    });
  });
});
