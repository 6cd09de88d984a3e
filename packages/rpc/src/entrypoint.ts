import { Capability } from '@os/capability';
import type { KernelThread, Message, Selector } from '@os/kernel';
import { errorCode, hasErrorCode } from '@os/kernel';
import type { MethodEntry, RpcInterface } from './define-interface.js';
import { voidCodec } from './codec/primitives.js';
import { RpcDecodeError, RpcInterfaceError } from './errors.js';
import { freeUntakenCaps } from './received-caps.js';
import type { RpcObject } from './rpc-object.js';
import { REQUEST_HEADER_SIZE, ReplyStatus } from './status.js';
import { MessageReader, MessageWriter } from './wire.js';

/** An error a server method threw that its interface does not declare. */
export interface ServerErrorReport {
  /** `Interface.method` that failed. */
  readonly method: string;
  /** What was thrown. */
  readonly error: unknown;
}

/** Options of an {@link RpcEntrypoint}. */
export interface RpcEntrypointOptions {
  /** Where undeclared server errors are reported; the client only learns that the call failed. */
  readonly onError?: (report: ServerErrorReport) => void;
}

/** Marks the signal contexts an entrypoint serves in capability types. */
export interface SignalContextInterface {
  /** Brand only. */
  readonly signalContext: true;
}

/** Runs when a signal context fires; `count` is the number of submits since the last run. */
export type SignalFunction = (count: number) => void | Promise<void>;

type Implementation = (...args: unknown[]) => unknown;

/** A served object with its methods looked up once, so dispatch indexes by opcode instead of by name. */
interface ManagedObject {
  readonly object: RpcObject;
  readonly rpcInterface: RpcInterface;
  readonly implementations: readonly Implementation[];
}

function defaultReport(report: ServerErrorReport): void {
  const sink = (globalThis as { console?: { error(...args: unknown[]): void } }).console;
  sink?.error(`[rpc] ${report.method} threw an undeclared error:`, report.error);
}

/**
 * Genode's `Rpc_entrypoint`: serves RPC objects (and signal contexts) on one kernel thread, one
 * call at a time. Every request is checked before a method sees it: the object must exist, speak the
 * interface the request names, and the arguments must decode exactly; anything else gets a typed
 * error reply and the entrypoint keeps serving.
 */
export class RpcEntrypoint {
  /** The kernel thread this entrypoint serves on. */
  readonly thread: KernelThread;
  readonly #objects: (ManagedObject | undefined)[] = [];
  readonly #selectors = new Map<RpcObject, Selector>();
  readonly #signals = new Map<number, SignalFunction>();
  readonly #signalSelectors = new Map<Selector, number>();
  #nextImprint = 1;
  readonly #writer = new MessageWriter();
  readonly #reader = new MessageReader();
  readonly #report: (report: ServerErrorReport) => void;

  /** Starts serving on `thread`. */
  constructor(thread: KernelThread, options: RpcEntrypointOptions = {}) {
    this.thread = thread;
    this.#report = options.onError ?? defaultReport;
    thread.serve({
      onCall: (selector, request) => this.#dispatch(selector, request),
      onSignal: (imprint, count) => this.#signals.get(imprint)?.(count),
    });
  }

  /** Makes `object` callable: returns the capability that reaches it. */
  manage<I extends RpcInterface>(object: RpcObject<I>): Capability<I> {
    if (this.#selectors.has(object))
      throw new RpcInterfaceError(`this ${object.rpcInterface.name} object is already managed`);
    // one plain loop: a server manages an object per session, so this runs on every session request
    const entries = object.rpcInterface.entries;
    const methods = object as unknown as Record<string, Implementation | undefined>;
    const implementations: Implementation[] = new Array<Implementation>(entries.length);
    let complete = true;
    for (let i = 0; i < entries.length; i++) {
      const implementation = methods[(entries[i] as MethodEntry).name];
      if (typeof implementation !== 'function') complete = false;
      else implementations[i] = implementation;
    }
    if (!complete) {
      const missing = entries.filter((entry) => typeof methods[entry.name] !== 'function');
      throw new RpcInterfaceError(
        `${object.constructor.name} does not implement ${missing.map((entry) => entry.qualifiedName).join(', ')}`,
      );
    }
    const selector = this.thread.createRpcObject();
    this.#objects[selector] = { object, rpcInterface: object.rpcInterface, implementations };
    this.#selectors.set(object, selector);
    return new Capability<I>(selector);
  }

  /** Stops serving `object`: every capability to it, in every PD, becomes invalid. */
  dissolve(object: RpcObject): void {
    const selector = this.#selectors.get(object);
    if (selector === undefined)
      throw new RpcInterfaceError(`this ${object.rpcInterface.name} object is not managed by this entrypoint`);
    this.#selectors.delete(object);
    this.#objects[selector] = undefined;
    this.thread.dissolve(selector);
  }

  /** Creates a signal context whose submits run `handler` on this entrypoint. */
  createSignalHandler(handler: SignalFunction): Capability<SignalContextInterface> {
    const imprint = this.#nextImprint++;
    const selector = this.thread.createSignalContext(imprint);
    this.#signals.set(imprint, handler);
    this.#signalSelectors.set(selector, imprint);
    return new Capability<SignalContextInterface>(selector);
  }

  /** Dissolves a signal context made by {@link RpcEntrypoint.createSignalHandler}. */
  dissolveSignalHandler(context: Capability<SignalContextInterface>): void {
    const selector = context.selector;
    const imprint = this.#signalSelectors.get(selector);
    if (imprint === undefined)
      throw new RpcInterfaceError(`${String(context)} is not a signal context of this entrypoint`);
    this.#signalSelectors.delete(selector);
    this.#signals.delete(imprint);
    this.thread.dissolve(selector);
  }

  #dispatch(selector: Selector, request: Message): void | Promise<void> {
    const managed = this.#objects[selector];
    if (managed === undefined) return this.#refuse(request, ReplyStatus.NoSuchObject);
    const length = request.length;
    if (length < REQUEST_HEADER_SIZE)
      return this.#badRequest(
        request,
        `request of ${length} bytes is shorter than the ${REQUEST_HEADER_SIZE}-byte header`,
      );
    const view = request.view;
    const opcode = view.getUint32(0, true);
    const rpcInterface = managed.rpcInterface;
    if (view.getUint32(4, true) !== rpcInterface.id) return this.#refuse(request, ReplyStatus.WrongInterface);
    const entry = rpcInterface.entries[opcode];
    if (entry === undefined) return this.#refuse(request, ReplyStatus.UnknownMethod);
    const implementation = managed.implementations[opcode] as Implementation;
    const object = managed.object;
    const argCount = entry.args.length;
    let a: unknown;
    let b: unknown;
    let rest: unknown[] | null = null;
    let taken = 0;
    if (argCount === 0) {
      if (length !== REQUEST_HEADER_SIZE)
        return this.#badRequest(
          request,
          `${entry.qualifiedName}: ${length - REQUEST_HEADER_SIZE} bytes after the header of a method without ` +
            `arguments`,
        );
    } else {
      const reader = this.#reader;
      reader.reset(request, REQUEST_HEADER_SIZE, entry.qualifiedName);
      try {
        if (argCount > 2) {
          rest = [];
          for (let i = 0; i < argCount; i++) rest.push(this.#decodeArg(entry, i));
        } else {
          a = this.#decodeArg(entry, 0);
          if (argCount > 1) b = this.#decodeArg(entry, 1);
        }
        if (reader.remaining !== 0) reader.fail(`${reader.remaining} bytes after the last argument`);
        taken = reader.taken;
      } catch (error) {
        if (error instanceof RpcDecodeError) return this.#badRequest(request, error.message);
        if (request.freshCaps !== 0) freeUntakenCaps(this.thread, request, 0);
        throw error;
      }
    }
    // before the method runs: it may call out, and the replies land in this same buffer
    if (request.freshCaps !== 0) freeUntakenCaps(this.thread, request, taken);
    let result: unknown;
    try {
      result =
        rest !== null
          ? implementation.apply(object, rest)
          : argCount === 0
            ? implementation.call(object)
            : argCount === 1
              ? implementation.call(object, a)
              : implementation.call(object, a, b);
    } catch (error) {
      return this.#failure(request, entry, error);
    }
    if (result instanceof Promise) return this.#finishAsync(entry, result);
    this.#result(request, entry, result);
  }

  #decodeArg(entry: MethodEntry, index: number): unknown {
    this.#reader.path = entry.argPaths[index] as string;
    return (entry.args[index] as MethodEntry['result']).decode(this.#reader);
  }

  async #finishAsync(entry: MethodEntry, pending: Promise<unknown>): Promise<void> {
    let result: unknown;
    try {
      result = await pending;
    } catch (error) {
      this.#failure(this.thread.utcb, entry, error);
      this.thread.reply();
      return;
    }
    this.#result(this.thread.utcb, entry, result);
    this.thread.reply();
  }

  #result(reply: Message, entry: MethodEntry, result: unknown): void {
    if (result === undefined && entry.result === voidCodec) {
      // void: the reply is the status word alone
      reply.view.setUint32(0, ReplyStatus.Ok, true);
      reply.length = 4;
      reply.capCount = 0;
      return;
    }
    const writer = this.#writer;
    writer.reset(reply, entry.resultPath);
    writer.u32(ReplyStatus.Ok);
    try {
      entry.result.encode(writer, result);
    } catch (error) {
      this.#report({ method: entry.qualifiedName, error });
      this.#status(reply, ReplyStatus.ServerError);
      return;
    }
    writer.finish();
  }

  #failure(reply: Message, entry: MethodEntry, error: unknown): void {
    const declared = entry.throws;
    for (let index = 0; index < declared.length; index++) {
      const exception = declared[index];
      // by code too: the server may throw the exception class of another copy of the declaring package
      if (
        exception !== undefined &&
        (error instanceof exception || hasErrorCode<Partial<Error>>(error, errorCode(exception.name)))
      ) {
        const writer = this.#writer;
        writer.reset(reply, entry.qualifiedName);
        writer.u32(ReplyStatus.Exception);
        writer.u16(index);
        const message = typeof error.message === 'string' ? error.message : '';
        writer.string(message.length > 1024 ? `${message.slice(0, 1024)}…` : message);
        writer.finish();
        return;
      }
    }
    this.#report({ method: entry.qualifiedName, error });
    this.#status(reply, ReplyStatus.ServerError);
  }

  #status(reply: Message, status: number): void {
    const writer = this.#writer;
    writer.reset(reply, 'reply');
    writer.u32(status);
    writer.finish();
  }

  /** Refuses `request` with `status`; the capabilities it brought in go, as no method took them. */
  #refuse(request: Message, status: number): void {
    if (request.freshCaps !== 0) freeUntakenCaps(this.thread, request, 0);
    this.#status(request, status);
  }

  /** Refuses a request that does not decode (a {@link ReplyStatus.BadRequest} naming `reason`); its capabilities go. */
  #badRequest(reply: Message, reason: string): void {
    if (reply.freshCaps !== 0) freeUntakenCaps(this.thread, reply, 0);
    const writer = this.#writer;
    writer.reset(reply, 'reply');
    writer.u32(ReplyStatus.BadRequest);
    writer.string(reason.length > 1024 ? `${reason.slice(0, 1024)}…` : reason);
    writer.finish();
  }
}
