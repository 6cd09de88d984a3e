import { NODE_POLYFILLS_SOURCE } from '../generated/node-polyfills-source.js';

/** A class of the polyfills, as the shim uses it. */
type PolyfillClass = new (...args: never[]) => object;

/** Node's `buffer`, `events`, `stream` and `string_decoder`, as the npm polyfills give them. */
export interface NodePolyfills {
  /** npm `events`: the EventEmitter class, with `EventEmitter`, `once` and friends on it. */
  readonly events: PolyfillClass & Record<string, unknown>;
  /** npm `buffer`: `{ Buffer, ... }`. */
  readonly buffer: { readonly Buffer: BufferClass } & Record<string, unknown>;
  /** npm `readable-stream`: the Stream class with `Readable`, `Writable`, `Duplex`, ... on it. */
  readonly stream: PolyfillClass & { readonly Duplex: DuplexClass } & Record<string, unknown>;
  /** npm `string_decoder`: `{ StringDecoder }`. */
  readonly string_decoder: Record<string, unknown>;
}

/** What the shim needs of the polyfill's Buffer. */
export interface BufferClass {
  from(bytes: ArrayBufferLike, offset: number, length: number): Uint8Array;
  from(text: string, encoding?: string): Uint8Array;
  isBuffer(value: unknown): boolean;
}

/** The polyfill Duplex, as the shim's sockets extend it. */
export type DuplexClass = new (options?: object) => object;

interface CompartmentLike {
  evaluate(source: string): unknown;
}

type CompartmentConstructor = new (options: {
  readonly __options__: true;
  readonly name: string;
  readonly globals: Readonly<Record<string, unknown>>;
}) => CompartmentLike;

/** The polyfills were asked for in a realm without SES's `Compartment` (not hardened). */
export class PolyfillRealmError extends Error {
  /** Creates the error. */
  constructor() {
    super(
      "the libc shim evaluates Node's events, buffer and stream polyfills in a compartment per program: harden the " +
        'realm first (hardenRealm() of @os/loader, which os run calls)',
    );
    this.name = 'PolyfillRealmError';
  }
}

/**
 * Evaluates the npm polyfills of Node's `events`, `buffer`, `stream` (readable-stream) and `string_decoder` in a new
 * compartment whose globals are `globals` (the program's `process`, timers, `queueMicrotask`, `console`): every call
 * makes new classes, so each program has its own, which no other program or host code shares. Node's own classes are
 * never handed out: they are the host's, shared by everything in the process, and cannot be hardened without breaking
 * them (their prototypes carry data properties that instances assign, which a frozen prototype refuses).
 */
export function evaluateNodePolyfills(globals: Readonly<Record<string, unknown>>): NodePolyfills {
  const Compartment = (globalThis as { Compartment?: CompartmentConstructor }).Compartment;
  if (Compartment === undefined) throw new PolyfillRealmError();
  const compartment = new Compartment({ __options__: true, name: 'node polyfills', globals });
  return compartment.evaluate(NODE_POLYFILLS_SOURCE) as NodePolyfills;
}
