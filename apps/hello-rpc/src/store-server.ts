import type { Capability } from '@os/capability';
import type { KernelThread } from '@os/kernel';
import { RpcObject, type ServerOf, connect } from '@os/rpc';
import { KeyNotFound, KeyValue, Watcher } from './key-value.js';

/** The server side: keeps the entries, calls watchers back, fills dataspaces it is handed. */
export class StoreServer extends RpcObject<typeof KeyValue> implements ServerOf<typeof KeyValue> {
  readonly #entries = new Map<string, string>();
  readonly #watchers: ReturnType<typeof connect<typeof Watcher>>[] = [];

  constructor(private readonly thread: KernelThread) {
    super(KeyValue);
  }

  async put(key: string, value: string): Promise<number> {
    this.#entries.set(key, value);
    for (const watcher of this.#watchers) await watcher.changed(key, this.#entries.size);
    return this.#entries.size;
  }

  get(key: string): string {
    const value = this.#entries.get(key);
    if (value === undefined) throw new KeyNotFound(`no entry "${key}"`);
    return value;
  }

  watch(watcher: Capability<typeof Watcher>): void {
    this.#watchers.push(connect(Watcher, this.thread, watcher));
  }

  dump(dataspace: Capability): number {
    const bytes = this.thread.attach(dataspace.selector);
    const text = new TextEncoder().encode(JSON.stringify(Object.fromEntries(this.#entries)));
    const length = Math.min(text.length, bytes.length);
    bytes.set(text.subarray(0, length));
    return length;
  }
}
