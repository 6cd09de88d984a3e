import { Capability } from '@os/capability';
import type { EntrypointHandler, KernelThread, Message } from '@os/kernel';
import { RpcEntrypoint, RpcObject, type ServerOf, codec, connect, defineInterface, method } from '@os/rpc';
import { describe, expect, it } from 'vitest';
import { domain, rpcSystem } from './fixture.js';

const Holder = defineInterface('Holder', {
  nothing: method([], codec.void),
  hand: method([codec.capability()], codec.u32),
  give: method([], codec.capability()),
});

/** Keeps what `hand` takes; `give` answers with an object of its own. */
class HolderServer extends RpcObject<typeof Holder> implements ServerOf<typeof Holder> {
  readonly handed: Capability[] = [];
  constructor(private readonly given: () => Capability) {
    super(Holder);
  }
  nothing(): void {}
  hand(capability: Capability): number {
    this.handed.push(capability);
    return this.handed.length;
  }
  give(): Capability {
    return this.given();
  }
}

/** The request header of `opcode` on `Holder`, then `rest`. */
function request(message: Message, opcode: number, rest: number[], caps: number[]): void {
  message.view.setUint32(0, opcode, true);
  message.view.setUint32(4, Holder.id, true);
  message.bytes.set(rest, 8);
  message.length = 8 + rest.length;
  message.setCaps(caps);
}

/**
 * Marks a repeat of a fresh selector fresh too: the other choice `Message.freshCaps` leaves a kernel
 * (the backends mark the first slot only), so the RPC layer must be right under both.
 */
function markRepeats(message: Message): void {
  for (let j = 1; j < message.capCount; j++) {
    for (let i = 0; i < j; i++) {
      if ((message.freshCaps & (1 << i)) !== 0 && message.caps[i] === message.caps[j]) message.freshCaps |= 1 << j;
    }
  }
}

/** `thread`, with every message it receives (requests and replies) passed through {@link markRepeats}. */
function markingRepeats(thread: KernelThread): KernelThread {
  return new Proxy(thread, {
    get(target, key) {
      if (key === 'serve') {
        return (handler: EntrypointHandler) =>
          target.serve({
            onCall(object, message) {
              markRepeats(message);
              return handler.onCall(object, message);
            },
            onSignal: (imprint, count) => handler.onSignal(imprint, count),
          });
      }
      if (key === 'call') {
        return async (object: number) => {
          const reply = await target.call(object);
          markRepeats(reply);
          return reply;
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('capabilities a message brings that no value takes', () => {
  it('a typed call keeps what its argument takes; sent again, the server keeps the same entry', async () => {
    const { kernel, server, client, entrypoint, delegate } = rpcSystem();
    const holder = new HolderServer(() => Capability.invalid());
    const remote = connect(Holder, client.thread, delegate(entrypoint.manage(holder)));
    const mine = new Capability(client.thread.createRpcObject());
    const before = kernel.capSpace(server.pd).length;
    expect(await remote.hand(mine)).toBe(1);
    expect(await remote.hand(mine)).toBe(2);
    const [first, second] = holder.handed as [Capability, Capability];
    expect(first.rawSelector).toBe(second.rawSelector);
    expect(server.thread.valid(first.rawSelector)).toBe(true);
    expect(kernel.capSpace(server.pd)).toHaveLength(before + 1);
  });

  it(
    'a server frees a repeated new capability once when the kernel marks every repeat fresh, and keeps it when a ' +
      'slot took it',
    async () => {
      const { kernel } = rpcSystem();
      const server = domain(kernel, 'marking-server');
      const entrypoint = new RpcEntrypoint(markingRepeats(server.thread));
      const holder = new HolderServer(() => Capability.invalid());
      const client = domain(kernel, 'marking-client');
      const target = kernel.delegate(server.pd, entrypoint.manage(holder).selector, client.pd);
      const before = kernel.capSpace(server.pd);
      const [x, y] = [client.thread.createRpcObject(), client.thread.createSignalContext(1)];
      request(client.thread.utcb, 0, [], [x, x, y, x]);
      await client.thread.call(target);
      expect(client.thread.utcb.view.getUint32(0, true)).toBe(0);
      expect(kernel.capSpace(server.pd)).toEqual(before);
      request(client.thread.utcb, 1, [1], [x, x, y, x]);
      await client.thread.call(target);
      expect(client.thread.utcb.view.getUint32(0, true)).toBe(0);
      const kept = holder.handed[0] as Capability;
      expect(server.thread.valid(kept.rawSelector)).toBe(true);
      expect(kernel.capSpace(server.pd)).toHaveLength(before.length + 1);
    },
  );

  it(
    'a client keeps the capability a result takes and frees the new ones beside it, marked once or in every ' +
      'repeat',
    async () => {
      const { kernel, client } = rpcSystem();
      const server = domain(kernel, 'liar');
      const liar = server.thread;
      const [n, m] = [liar.createRpcObject(), liar.createSignalContext(1)];
      liar.serve({
        onCall(_object, reply) {
          reply.view.setUint32(0, 0, true);
          reply.bytes[4] = 1;
          reply.length = 5;
          reply.setCaps([n, n, m, n]);
        },
        onSignal() {},
      });
      const target = new Capability<typeof Holder>(kernel.delegate(server.pd, liar.createRpcObject(), client.pd));
      for (const thread of [client.thread, markingRepeats(domain(kernel, 'marking-client').thread)]) {
        const remote = connect(
          Holder,
          thread,
          new Capability<typeof Holder>(kernel.delegate(client.pd, target.selector, thread.pd)),
        );
        const before = kernel.capSpace(thread.pd).length;
        const given = await remote.give();
        expect(thread.valid(given.rawSelector)).toBe(true);
        expect(kernel.capSpace(thread.pd)).toHaveLength(before + 1);
      }
    },
  );
});
