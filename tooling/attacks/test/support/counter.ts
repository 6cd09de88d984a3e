// The interface every attacked server speaks: a counter with methods of every argument shape an
// attacker can aim at (integers, dynamic values, records, capabilities) and one that fails on
// request in each way a server method can fail.

import { RpcException, codec, defineInterface, method } from '@os/rpc';

/** The declared exception of `Counter.fail`. */
export class Refused extends RpcException {}

/** How `Counter.fail` fails. */
export const FAILURES = [
  'error',
  'declared',
  'string',
  'nothing',
  'hostile',
  'rejected',
  'hostile-rejected',
  'bad-result',
] as const;

/** One of {@link FAILURES}. */
export type FailureKind = (typeof FAILURES)[number];

export const Counter = defineInterface('Counter', {
  add: method([codec.u32], codec.u32),
  read: method([], codec.u32),
  keep: method([codec.value], codec.u32),
  tag: method([codec.record({ name: codec.string, weight: codec.u8 })], codec.u32),
  hand: method([codec.capability()], codec.u32),
  fail: method([codec.oneOf(...FAILURES)], codec.void, { throws: [Refused] }),
});

/** Opcodes of the Counter's methods, in declaration order. */
export const OP = { add: 0, read: 1, keep: 2, tag: 3, hand: 4, fail: 5 } as const;

/** An object every operation on which throws: what a careless or hostile server method might throw. */
function hostileThrowable(): object {
  const refuse = (): never => {
    throw new Error('the thrown object refuses to be looked at');
  };
  return new Proxy(
    {},
    { get: refuse, getPrototypeOf: refuse, has: refuse, ownKeys: refuse, getOwnPropertyDescriptor: refuse },
  );
}

/** Fails as `kind` says: the body of every server's `fail`. */
export function throwFailure(kind: FailureKind): void | Promise<void> {
  switch (kind) {
    case 'error':
      throw new Error('an undeclared error');
    case 'declared':
      throw new Refused('refused as declared');
    case 'string':
      throw 'a string, not an Error';
    case 'nothing':
      throw undefined;
    case 'hostile':
      throw hostileThrowable();
    case 'rejected':
      return Promise.reject(new Error('an asynchronous undeclared error'));
    case 'hostile-rejected':
      return Promise.reject(hostileThrowable());
    case 'bad-result':
      // a void method answering with a value its result codec refuses
      return 42 as unknown as void;
  }
}
