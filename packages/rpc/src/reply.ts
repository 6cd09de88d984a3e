import type { KernelThread, Message } from '@os/kernel';
import type { MethodEntry } from './define-interface.js';
import { RpcBadRequestError, RpcDecodeError, RpcInterfaceError, RpcServerError } from './errors.js';
import { freeUntakenCaps } from './received-caps.js';
import { ReplyStatus } from './status.js';
import type { MessageReader } from './wire.js';

/**
 * Turns a reply message into the method's result, or throws what the server answered. Capabilities
 * the reply brought into `thread`'s space that the result did not take are freed, whatever the
 * outcome: a server cannot plant capabilities in its client's space beside a reply.
 */
export function decodeReply(
  reader: MessageReader,
  entry: MethodEntry,
  reply: Message,
  target: { toString(): string },
  thread: KernelThread,
): unknown {
  if (reply.freshCaps !== 0) return decodeDroppingCaps(reader, entry, reply, target, thread);
  if (reply.length === 4 && entry.result.minSize === 0 && reply.view.getUint32(0, true) === ReplyStatus.Ok) {
    return entry.result.decode(reader);
  }
  return decodeFull(reader, entry, reply, target);
}

/** {@link decodeReply} of a reply that brought new capabilities: frees those the result did not take. */
function decodeDroppingCaps(
  reader: MessageReader,
  entry: MethodEntry,
  reply: Message,
  target: { toString(): string },
  thread: KernelThread,
): unknown {
  let result: unknown;
  try {
    result = decodeFull(reader, entry, reply, target);
  } catch (error) {
    freeUntakenCaps(thread, reply, 0);
    throw error;
  }
  freeUntakenCaps(thread, reply, reader.taken);
  return result;
}

function decodeFull(
  reader: MessageReader,
  entry: MethodEntry,
  reply: Message,
  target: { toString(): string },
): unknown {
  reader.reset(reply, 0, entry.resultPath);
  const status = reader.u32();
  if (status === ReplyStatus.Ok) {
    const result = entry.result.decode(reader);
    if (reader.remaining !== 0) reader.fail(`${reader.remaining} bytes after the result`);
    return result;
  }
  switch (status) {
    case ReplyStatus.Exception: {
      const index = reader.u16();
      const message = reader.string();
      const exception = entry.throws[index];
      if (exception === undefined)
        throw new RpcDecodeError(entry.resultPath, `exception ${index} is not declared by ${entry.qualifiedName}`);
      throw new exception(message);
    }
    case ReplyStatus.ServerError:
      throw new RpcServerError(entry.qualifiedName);
    case ReplyStatus.BadRequest:
      throw new RpcBadRequestError(entry.qualifiedName, reader.string());
    case ReplyStatus.WrongInterface:
      throw new RpcInterfaceError(
        `${String(target)} does not serve this interface; ${entry.qualifiedName} was sent to an object of another ` +
          `interface`,
      );
    case ReplyStatus.UnknownMethod:
      throw new RpcInterfaceError(
        `${String(target)} does not know ${entry.qualifiedName}: client and server were built from different ` +
          `declarations`,
      );
    case ReplyStatus.NoSuchObject:
      throw new RpcInterfaceError(`${String(target)} names no object of its entrypoint any more`);
    default:
      throw new RpcDecodeError(entry.resultPath, `unknown reply status ${status}`);
  }
}
