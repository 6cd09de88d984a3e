export {
  codec,
  type Codec,
  type Infer,
  type InferTuple,
  type RecordOf,
  type RpcValue,
  MAX_VALUE_DEPTH,
} from './codec/index.js';
export {
  defineInterface,
  method,
  type MethodSpec,
  type MethodMap,
  type MethodEntry,
  type ArgsOf,
  type ResultOf,
  type ServerOf,
  type ClientOf,
  type RpcInterface,
} from './define-interface.js';
export { RpcException, type RpcExceptionClass } from './exception.js';
export {
  RpcError,
  RpcEncodeError,
  RpcDecodeError,
  RpcBadRequestError,
  RpcServerError,
  RpcInterfaceError,
} from './errors.js';
export { RpcObject } from './rpc-object.js';
export {
  RpcEntrypoint,
  type RpcEntrypointOptions,
  type ServerErrorReport,
  type SignalContextInterface,
  type SignalFunction,
} from './entrypoint.js';
export { RpcClient, connect } from './client.js';
export { MessageReader, MessageWriter } from './wire.js';
export { ReplyStatus, REQUEST_HEADER_SIZE } from './status.js';
export { WIRE_VERSION } from './wire-version.js';
