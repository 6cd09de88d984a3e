import type { Capability } from '@os/capability';
import { type KernelThread, type Message, hardenShared } from '@os/kernel';
import type { ClientOf, MethodEntry, RpcInterface } from './define-interface.js';
import { RpcEncodeError } from './errors.js';
import { decodeReply } from './reply.js';
import { type ThreadCalls, callsOf } from './thread-calls.js';
import type { MessageReader, MessageWriter } from './wire.js';

/**
 * The state every generated client carries; methods live on a prototype made once per interface.
 * Its fields are assigned in the constructor only (`declare`d, not class fields): every interface
 * has its own subclass, and defining class fields on each is a slow path when a session is opened.
 */
export class RpcClient<I extends RpcInterface = RpcInterface> {
  /** The capability invoked. */
  declare readonly capability: Capability<I>;
  /** The interface spoken. */
  declare readonly rpcInterface: I;
  /** The calling thread, whose utcb carries the requests. */
  declare readonly thread: KernelThread;
  /** Encoder reused by every call (the thread's, shared by its clients). */
  declare readonly writer: MessageWriter;
  /** Decoder reused by every call (the thread's, shared by its clients). */
  declare readonly reader: MessageReader;
  /**
   * The thread's calls, shared by its clients: they take turns, one outstanding at a time.
   *
   * @internal
   */
  declare readonly _calls: ThreadCalls;

  /** Creates a client; use {@link connect} to get the typed methods. */
  constructor(rpcInterface: I, thread: KernelThread, capability: Capability<I>) {
    const calls = callsOf(thread);
    (this as { capability: Capability<I> }).capability = capability;
    (this as { rpcInterface: I }).rpcInterface = rpcInterface;
    (this as { thread: KernelThread }).thread = thread;
    (this as { writer: MessageWriter }).writer = calls.writer;
    (this as { reader: MessageReader }).reader = calls.reader;
    (this as { _calls: ThreadCalls })._calls = calls;
  }
}

function begin(client: RpcClient, entry: MethodEntry): MessageWriter {
  const writer = client.writer;
  writer.reset(client.thread.utcb, entry.qualifiedName);
  writer.header(entry.opcode, client.rpcInterface.id);
  return writer;
}

function encodeArg(writer: MessageWriter, entry: MethodEntry, index: number, value: unknown): void {
  writer.path = entry.argPaths[index] as string;
  (entry.args[index] as MethodEntry['result']).encode(writer, value);
}

/** Sends the encoded request and returns the reply buffer: the utcb itself when the server answered at once. */
function send(client: RpcClient): Message | Promise<Message> {
  client.writer.finish();
  return client.thread.call(client.capability.selector);
}

// Each invoke is one async function with the reply decoded inline: returning another promise from an async function
// would cost extra microtask turns on every call. A thread makes one call at a time (the kernel refuses a second with
// ThreadStateError): a call made while its thread has one outstanding is encoded at once and goes in turn (`later`);
// the common case, no call outstanding, costs a flag set and cleared.

async function invoke0(client: RpcClient, entry: MethodEntry): Promise<unknown> {
  begin(client, entry);
  const calls = client._calls;
  if (calls.busy) return later(client, entry);
  calls.busy = true;
  try {
    let reply = send(client);
    if (reply instanceof Promise) reply = await reply;
    return decodeReply(client.reader, entry, reply, client.capability, client.thread);
  } finally {
    calls.done();
  }
}

async function invoke1(client: RpcClient, entry: MethodEntry, a: unknown): Promise<unknown> {
  encodeArg(begin(client, entry), entry, 0, a);
  const calls = client._calls;
  if (calls.busy) return later(client, entry);
  calls.busy = true;
  try {
    let reply = send(client);
    if (reply instanceof Promise) reply = await reply;
    return decodeReply(client.reader, entry, reply, client.capability, client.thread);
  } finally {
    calls.done();
  }
}

async function invoke2(client: RpcClient, entry: MethodEntry, a: unknown, b: unknown): Promise<unknown> {
  const writer = begin(client, entry);
  encodeArg(writer, entry, 0, a);
  encodeArg(writer, entry, 1, b);
  const calls = client._calls;
  if (calls.busy) return later(client, entry);
  calls.busy = true;
  try {
    let reply = send(client);
    if (reply instanceof Promise) reply = await reply;
    return decodeReply(client.reader, entry, reply, client.capability, client.thread);
  } finally {
    calls.done();
  }
}

async function invokeN(client: RpcClient, entry: MethodEntry, args: unknown[]): Promise<unknown> {
  const writer = begin(client, entry);
  for (let i = 0; i < entry.args.length; i++) encodeArg(writer, entry, i, args[i]);
  const calls = client._calls;
  if (calls.busy) return later(client, entry);
  calls.busy = true;
  try {
    let reply = send(client);
    if (reply instanceof Promise) reply = await reply;
    return decodeReply(client.reader, entry, reply, client.capability, client.thread);
  } finally {
    calls.done();
  }
}

/**
 * A call encoded while its thread had a call outstanding: its request is kept in a copy (the arguments were read when
 * the call was made) and sent when every earlier call of the thread has had its reply decoded.
 */
async function later(client: RpcClient, entry: MethodEntry): Promise<unknown> {
  const calls = client._calls;
  const thread = client.thread;
  client.writer.finish();
  const request = calls.keep(thread.utcb);
  await calls.turn();
  try {
    calls.restore(request, thread.utcb);
    let reply = thread.call(client.capability.selector);
    if (reply instanceof Promise) reply = await reply;
    return decodeReply(client.reader, entry, reply, client.capability, thread);
  } finally {
    calls.done();
  }
}

type Method = (this: RpcClient, ...args: unknown[]) => Promise<unknown>;

/**
 * A call with more arguments than `entry` declares (plain JavaScript can make one): refused as a value that cannot be
 * encoded.
 */
function tooMany(entry: MethodEntry, given: number): Promise<never> {
  const declared = entry.args.length;
  const takes = `${declared} argument${declared === 1 ? '' : 's'}`;
  return Promise.reject(
    new RpcEncodeError(
      `${entry.qualifiedName}(argument ${declared + 1})`,
      `${entry.qualifiedName} takes ${takes}, got ${given}`,
    ),
  );
}

function makeMethod(entry: MethodEntry): Method {
  switch (entry.args.length) {
    case 0:
      return function (this: RpcClient) {
        // biome-ignore lint/complexity/noArguments: counts extra arguments without a rest array on every call
        if (arguments.length > 0) return tooMany(entry, arguments.length);
        return invoke0(this, entry);
      };
    case 1:
      return function (this: RpcClient, a: unknown) {
        // biome-ignore lint/complexity/noArguments: counts extra arguments without a rest array on every call
        if (arguments.length > 1) return tooMany(entry, arguments.length);
        return invoke1(this, entry, a);
      } as Method;
    case 2:
      return function (this: RpcClient, a: unknown, b: unknown) {
        // biome-ignore lint/complexity/noArguments: counts extra arguments without a rest array on every call
        if (arguments.length > 2) return tooMany(entry, arguments.length);
        return invoke2(this, entry, a, b);
      } as Method;
    default:
      return function (this: RpcClient, ...args: unknown[]) {
        if (args.length > entry.args.length) return tooMany(entry, args.length);
        return invokeN(this, entry, args);
      };
  }
}

type ClientClass = new (
  rpcInterface: RpcInterface,
  thread: KernelThread,
  capability: Capability<RpcInterface>,
) => RpcClient;

const clientClasses = new WeakMap<RpcInterface, ClientClass>();

/**
 * One client class per interface, its methods on the prototype: no closure is made per client or call.
 * Every component (and init and core) that speaks an interface gets the same class, so in a hardened
 * realm it is frozen before anyone gets it: a component that defined a setter on its prototype would
 * otherwise see the fields of every other client of that interface, init's threads included.
 */
function clientClassFor(rpcInterface: RpcInterface): ClientClass {
  let clientClass = clientClasses.get(rpcInterface);
  if (clientClass === undefined) {
    clientClass = class extends RpcClient {};
    for (const entry of rpcInterface.entries) {
      Object.defineProperty(clientClass.prototype, entry.name, { value: makeMethod(entry), enumerable: false });
    }
    clientClasses.set(rpcInterface, clientClass);
  }
  if (!Object.isFrozen(clientClass.prototype)) hardenShared(clientClass);
  return clientClass;
}

/**
 * The typed client of `rpcInterface` for the object behind `capability`, calling from `thread`. Every
 * method encodes its arguments (refusing what does not fit the declaration before anything is sent),
 * calls through the kernel, and resolves with the decoded result or rejects with the declared
 * exception the server threw.
 */
export function connect<I extends RpcInterface>(
  rpcInterface: I,
  thread: KernelThread,
  capability: Capability<I>,
): ClientOf<I> & RpcClient<I> {
  const ClientClass = clientClassFor(rpcInterface);
  return new ClientClass(rpcInterface, thread, capability as Capability<RpcInterface>) as unknown as ClientOf<I> &
    RpcClient<I>;
}
