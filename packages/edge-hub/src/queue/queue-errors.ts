/**
 * Base of the queue's refusals of a message: the downstream side sends the leaf no PUBACK for it, so the leaf sends
 * it again later (at-least-once, as with IoT Hub itself when it throttles).
 */
export class QueueRefused extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The storage is full: the File_system session's quota or the host's disk refused the write (`NoSpace`). */
export class QueueStorageFull extends QueueRefused {}

/** The storage failed otherwise (the File_system session answered with another error). */
export class QueueStorageFailed extends QueueRefused {}

/** More bytes wait to be written than the queue holds in memory (`maxPendingBytes`): the writer is behind. */
export class QueueBusy extends QueueRefused {}

/** One message larger than the whole queue may hold (`maxBytes`). */
export class QueueMessageTooLarge extends QueueRefused {}

/** The queue was closed. */
export class QueueClosed extends QueueRefused {}
