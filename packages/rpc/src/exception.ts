import { CodedError } from '@os/kernel';

/**
 * Base of the exceptions an interface declares. A server that throws a declared exception makes
 * the client's call reject with an instance of the same class, carrying the same message. Its code
 * derives from its class name (`ServiceDenied` has `ERR_OS_SERVICE_DENIED`): a server recognises a
 * declared exception by it when the thrown error comes from another copy of the declaring package.
 */
export class RpcException extends CodedError {}

/** A declared exception class: constructible from the message alone. */
export type RpcExceptionClass = new (message?: string) => RpcException;
