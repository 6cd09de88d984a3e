import type { RpcInterface } from './define-interface.js';

/**
 * Base of every server object. Extend it for one interface and implement the interface's methods
 * (`implements ServerOf<typeof MyInterface>` makes TypeScript check them); an {@link RpcEntrypoint}
 * then dispatches calls on its capability to them, one at a time.
 */
export abstract class RpcObject<I extends RpcInterface = RpcInterface> {
  /** The interface this object serves (assigned in the constructor, not a class field: sessions make one per open). */
  declare readonly rpcInterface: I;

  /** Binds the object to the interface it serves. */
  constructor(rpcInterface: I) {
    (this as { rpcInterface: I }).rpcInterface = rpcInterface;
  }
}
