import { Sel4Constants } from '../native/constants.js';

/**
 * The adapter's message layout in the seL4 message registers, after Genode's base-sel4 `ipc.cc`:
 * MR0 the number of capabilities the seam message carries, MR1..MR4 their keys (Genode's
 * `Rpc_obj_key`, 0 for the invalid capability), the payload from MR5. The label holds the payload's
 * length in bytes (seam messages are bytes, not words); a kernel error reply is told apart by its
 * length (fewer than the five header registers).
 */
export const Protocol = {
  /** MR of the capability count. */
  MR_NUM_CAPS: 0,
  /** First MR of the keys. */
  MR_KEYS: 1,
  /** First MR of the payload. */
  MR_DATA: 5,
  /** The label of a reply that reports a server fault instead of a result. */
  LABEL_FAULT: 0x7fff_ffff,
} as const;

/** Bytes of payload one message carries: the registers after the header, 8 bytes each. */
export const SEAM_IPC_BUFFER_SIZE = (Sel4Constants.seL4_MsgMaxLength - Protocol.MR_DATA) * 8;

/** Badge of an RPC object's or dataspace's capabilities: the key, shifted so bit 0 is free. */
export function rpcBadge(key: number): number {
  return key * 2;
}

/**
 * Badge of a signal context's notification capabilities: bit 0 set, which is how a wake-up by a signal is told from a
 * call.
 */
export function signalBadge(key: number): number {
  return key * 2 + 1;
}
