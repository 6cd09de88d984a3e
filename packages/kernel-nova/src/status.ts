/**
 * NOVA's status codes, by NOVA's own names (`Sys_regs::Status`), with their kernel values.
 * Every hypercall of the model returns one of these, as the real kernel leaves one in the caller's
 * status register.
 */
export const Status = {
  /** The hypercall did what was asked. */
  SUCCESS: 0,
  /** Communication timeout: a call to a busy EC without blocking, or a semaphore down whose deadline passed. */
  COM_TIM: 1,
  /** Communication abort: the EC serving the call went away (or faulted) before replying. */
  COM_ABT: 2,
  /** No such hypercall. */
  BAD_HYP: 3,
  /** A selector names no object, an object of the wrong type, or one without the needed rights. */
  BAD_CAP: 4,
  /** A parameter is out of range or inconsistent. */
  BAD_PAR: 5,
  /** The feature is not available on this machine (vCPUs need VMX/SVM, which the model has not). */
  BAD_FTR: 6,
  /** No such CPU. */
  BAD_CPU: 7,
  /** No such device. */
  BAD_DEV: 8,
  /** The PD's kernel-memory quota is exhausted. */
  QUO_OOM: 9,
} as const;

/** One of the {@link (Status:variable)} values. */
export type Status = (typeof Status)[keyof typeof Status];

/** The names of {@link (Status:variable)}, indexed by value. */
export const STATUS_NAMES = [
  'SUCCESS',
  'COM_TIM',
  'COM_ABT',
  'BAD_HYP',
  'BAD_CAP',
  'BAD_PAR',
  'BAD_FTR',
  'BAD_CPU',
  'BAD_DEV',
  'QUO_OOM',
] as const;

/** The name of a status value, for messages and traces. */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `status ${status}`;
}
