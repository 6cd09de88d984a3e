import {
  RpcException,
  RpcObject,
  RpcServerError,
  type ServerOf,
  codec,
  connect,
  defineInterface,
  method,
} from '@os/rpc';
import { describe, expect, it } from 'vitest';
import { rpcSystem } from './fixture.js';

class KeyNotFound extends RpcException {}
class StoreFull extends RpcException {}

const Store = defineInterface('Store', {
  get: method([codec.string], codec.string, { throws: [StoreFull, KeyNotFound] }),
  getLater: method([codec.string], codec.string, { throws: [StoreFull, KeyNotFound] }),
  put: method([codec.string], codec.void, { throws: [StoreFull] }),
});

/**
 * `KeyNotFound` as a second copy of the declaring package defines it: another class, unrelated to
 * RpcException, with the same name and so the same code.
 */
class KeyNotFoundOfAnotherCopy extends Error {
  readonly code = KeyNotFound.code;
  constructor(message: string) {
    super(message);
    this.name = 'KeyNotFound';
  }
}

class StoreServer extends RpcObject<typeof Store> implements ServerOf<typeof Store> {
  constructor() {
    super(Store);
  }
  get(key: string): string {
    throw new KeyNotFoundOfAnotherCopy(`no key "${key}"`);
  }
  async getLater(key: string): Promise<string> {
    await Promise.resolve();
    throw new KeyNotFoundOfAnotherCopy(`no key "${key}" later`);
  }
  put(key: string): void {
    throw new KeyNotFoundOfAnotherCopy(`no key "${key}" to put`);
  }
}

function storeSystem() {
  const system = rpcSystem();
  const capability = system.delegate(system.entrypoint.manage(new StoreServer()));
  return { ...system, store: connect(Store, system.client.thread, capability) };
}

describe('a declared exception thrown as the class of another package copy', () => {
  it("rejects the call with the client's declared class and the message", async () => {
    const { store, reports } = storeSystem();
    const error = await store.get('missing').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeyNotFound);
    expect(error).not.toBeInstanceOf(KeyNotFoundOfAnotherCopy);
    expect((error as KeyNotFound).message).toBe('no key "missing"');
    expect((error as KeyNotFound).code).toBe('ERR_OS_KEY_NOT_FOUND');
    expect(reports).toHaveLength(0);
  });

  it('is recognised when an async method rejects with it', async () => {
    const { store } = storeSystem();
    const error = await store.getLater('missing').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeyNotFound);
    expect((error as KeyNotFound).message).toBe('no key "missing" later');
  });

  it('stays an undeclared error where the method does not declare its code', async () => {
    const { store, reports } = storeSystem();
    await expect(store.put('x')).rejects.toBeInstanceOf(RpcServerError);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.error).toBeInstanceOf(KeyNotFoundOfAnotherCopy);
  });
});
