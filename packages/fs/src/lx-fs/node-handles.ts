import { closeSync } from 'node:fs';
import { OutOfRam } from '@os/session';
import { InvalidHandle } from '../file-system-errors.js';
import type { OpenMode } from '../file-system-session.js';
import { joinElements } from '../session-path.js';

/**
 * What a handle names: a directory (held open where the root is anchored), an open file, or a node of any kind (for
 * status; its directory held open where the root is anchored, but for the root itself).
 */
export type OpenNode =
  | { readonly kind: 'dir'; readonly path: readonly string[]; readonly fd: number | undefined }
  | { readonly kind: 'file'; readonly path: readonly string[]; readonly fd: number; readonly mode: OpenMode }
  | { readonly kind: 'node'; readonly path: readonly string[]; readonly fd: number | undefined };

/** Hands out handle numbers unique across a server's sessions, so that one session's handle is never another's. */
export class HandleNumbers {
  #last = 0;

  /** The next number, from 1 to 2^32 - 1, then from 1 again. */
  next(): number {
    this.#last = this.#last >= 0xffff_ffff ? 1 : this.#last + 1;
    return this.#last;
  }
}

/**
 * One session's open handles (Genode's `Node_handle_registry`): at most as many as the session's donation pays for
 * (`capacity()`), each closed with the session.
 */
export class NodeHandles {
  readonly #open = new Map<number, OpenNode>();
  readonly #numbers: HandleNumbers;
  readonly #capacity: () => number;

  /** A registry numbering from `numbers`, holding at most `capacity()` handles. */
  constructor(numbers: HandleNumbers, capacity: () => number) {
    this.#numbers = numbers;
    this.#capacity = capacity;
  }

  /** Refuses with `OutOfRam` when no further handle is paid for; `what` names the operation. */
  requireRoom(what: string): void {
    const capacity = this.#capacity();
    if (this.#open.size >= capacity)
      throw new OutOfRam(
        `${what}: the session holds ${this.#open.size} handles, all its donation pays for; close one, or upgrade ` +
          'the session',
      );
  }

  /** Registers `node`; answers its handle. */
  add(node: OpenNode): number {
    let handle = this.#numbers.next();
    while (this.#open.has(handle)) handle = this.#numbers.next();
    this.#open.set(handle, node);
    return handle;
  }

  /** The node of `handle`, which must be of `kind` (any when omitted); `InvalidHandle` naming `what` if not. */
  get<K extends OpenNode['kind']>(handle: number, what: string, kind?: K): Extract<OpenNode, { kind: K }> {
    const node = this.#open.get(handle);
    if (node === undefined)
      throw new InvalidHandle(
        `${what}: handle ${handle} is not open in this session (closed, never opened, or another session's)`,
      );
    if (kind !== undefined && node.kind !== kind)
      throw new InvalidHandle(
        `${what}: handle ${handle} is a ${node.kind} handle of "${joinElements(node.path)}", not a ${kind} handle`,
      );
    return node as Extract<OpenNode, { kind: K }>;
  }

  /** Forgets `handle`, closing the file or directory it holds. */
  remove(handle: number): void {
    const node = this.#open.get(handle);
    this.#open.delete(handle);
    if (node?.fd !== undefined) closeSync(node.fd);
  }

  /** Closes every handle. */
  clear(): void {
    for (const handle of [...this.#open.keys()]) this.remove(handle);
  }
}
