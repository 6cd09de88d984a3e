import type { Codec, InferTuple } from './codec/index.js';
import type { RpcExceptionClass } from './exception.js';

/** One method of an interface: its argument codecs, result codec and declared exceptions. */
export interface MethodSpec<A extends readonly Codec<unknown>[] = readonly Codec<unknown>[], R = unknown> {
  /** Codecs of the arguments, in order. */
  readonly args: A;
  /** Codec of the result. */
  readonly result: Codec<R>;
  /** Exceptions the server may throw that reach the client as themselves. */
  readonly throws: readonly RpcExceptionClass[];
}

/** Declares a method: `method([codec.u32, codec.string], codec.bool, { throws: [NotFound] })`. */
export function method<const A extends readonly Codec<unknown>[], R>(
  args: A,
  result: Codec<R>,
  options: { readonly throws?: readonly RpcExceptionClass[] } = {},
): MethodSpec<A, R> {
  return { args, result, throws: options.throws ?? [] };
}

/** The methods of an interface by name. */
export type MethodMap = Record<string, MethodSpec<readonly Codec<unknown>[], unknown>>;

/** Argument types of a method spec. */
export type ArgsOf<M> = M extends MethodSpec<infer A, unknown> ? InferTuple<A> : never;

/** Result type of a method spec. */
export type ResultOf<M> = M extends MethodSpec<readonly Codec<unknown>[], infer R> ? R : never;

/** What a server object implements for interface `I`: each method may answer directly or with a promise. */
export type ServerOf<I extends RpcInterface> = {
  [K in keyof I['methods']]: (
    ...args: ArgsOf<I['methods'][K]>
  ) => ResultOf<I['methods'][K]> | Promise<ResultOf<I['methods'][K]>>;
};

/** What a client of interface `I` offers: every method returns a promise of its result. */
export type ClientOf<I extends RpcInterface> = {
  readonly [K in keyof I['methods']]: (...args: ArgsOf<I['methods'][K]>) => Promise<ResultOf<I['methods'][K]>>;
};

/** A method as the dispatcher and client use it: positions, paths and codecs resolved once. */
export interface MethodEntry {
  /** The method's name. */
  readonly name: string;
  /** Its opcode: position in the declaration. */
  readonly opcode: number;
  /** `Interface.method` for messages. */
  readonly qualifiedName: string;
  /** Argument codecs. */
  readonly args: readonly Codec<unknown>[];
  /** Error-message paths of each argument, computed once. */
  readonly argPaths: readonly string[];
  /** Result codec. */
  readonly result: Codec<unknown>;
  /** Path of the result in error messages. */
  readonly resultPath: string;
  /** Declared exceptions, by wire index. */
  readonly throws: readonly RpcExceptionClass[];
}

/** An interface declared once; the server base, the dispatcher and the typed client all come from it. */
export interface RpcInterface<M extends MethodMap = MethodMap> {
  /** The interface's name. */
  readonly name: string;
  /** The method specs, as declared. */
  readonly methods: M;
  /** A 32-bit fingerprint of name and signatures: a request for another interface is refused. */
  readonly id: number;
  /** Methods by opcode. */
  readonly entries: readonly MethodEntry[];
}

function fingerprint(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const RESERVED = new Set(['constructor', 'then', 'capability', 'rpcInterface', 'toString', 'valueOf']);

/**
 * Declares an RPC interface. Method order is the wire order (the opcodes): append new methods at
 * the end to stay compatible with old peers.
 */
export function defineInterface<const M extends MethodMap>(name: string, methods: M): RpcInterface<M> {
  if (name.length === 0) throw new TypeError('an interface needs a name');
  const entries: MethodEntry[] = Object.entries(methods).map(([methodName, spec], opcode) => {
    if (RESERVED.has(methodName) || methodName.startsWith('_')) {
      throw new TypeError(`interface ${name}: method name "${methodName}" is reserved; choose another`);
    }
    if (spec.throws.length > 0xffff)
      throw new TypeError(`interface ${name}: ${methodName} declares too many exceptions`);
    const qualifiedName = `${name}.${methodName}`;
    return {
      name: methodName,
      opcode,
      qualifiedName,
      args: spec.args as readonly Codec<unknown>[],
      argPaths: spec.args.map((_, i) => `${qualifiedName}(argument ${i + 1})`),
      result: spec.result,
      resultPath: `${qualifiedName}(result)`,
      throws: spec.throws,
    };
  });
  const described = entries.map(
    (entry) => `${entry.name}(${entry.args.map((arg) => arg.name).join(',')}):${entry.result.name}`,
  );
  const signature = `${name}{${described.join(';')}}`;
  return Object.freeze({ name, methods, id: fingerprint(signature), entries: Object.freeze(entries) });
}
