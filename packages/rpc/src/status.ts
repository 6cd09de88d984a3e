/** The first word of every reply: how the call ended. Numbers, so the hot path branches on integers. */
export const ReplyStatus = {
  Ok: 0,
  Exception: 1,
  ServerError: 2,
  BadRequest: 3,
  WrongInterface: 4,
  UnknownMethod: 5,
  NoSuchObject: 6,
} as const;

/** Size of a request header: opcode and interface fingerprint. */
export const REQUEST_HEADER_SIZE = 8;
