import { bitsOf } from './words.js';

/**
 * `seL4_MessageInfo_t` as one word (`label:52 | capsUnwrapped:3 | extraCaps:2 | length:7`), so the
 * IPC path passes an integer and allocates nothing.
 */
export type MessageInfo = number;

/** Builds a message tag (`seL4_MessageInfo_new`). */
export function seL4_MessageInfo_new(
  label: number,
  capsUnwrapped: number,
  extraCaps: number,
  length: number,
): MessageInfo {
  const low = ((capsUnwrapped & 7) << 9) | ((extraCaps & 3) << 7) | (length & 127);
  return label < 0x7ffff ? (label << 12) | low : label * 4096 + low;
}

/** The tag's label: the invocation, or the error code of a kernel reply. */
export function seL4_MessageInfo_get_label(info: MessageInfo): number {
  return info <= 0x7fffffff ? info >>> 12 : Math.floor(info / 4096);
}

/** Bit i set: extra capability i arrived unwrapped (as its badge). */
export function seL4_MessageInfo_get_capsUnwrapped(info: MessageInfo): number {
  return bitsOf(info, 9, 3);
}

/** Number of extra capabilities the message carried (or were transferred). */
export function seL4_MessageInfo_get_extraCaps(info: MessageInfo): number {
  return bitsOf(info, 7, 2);
}

/** Number of message registers in the message. */
export function seL4_MessageInfo_get_length(info: MessageInfo): number {
  return info <= 0x7fffffff ? info & 127 : info % 128;
}

/** Replaces the length field. */
export function seL4_MessageInfo_set_length(info: MessageInfo, length: number): MessageInfo {
  return info - (info % 128) + (length & 127);
}

/** `seL4_CapRights_t` as a word: bit 0 write, 1 read, 2 grant, 3 grant-reply (`shared_types_64.bf`). */
export type CapRights = number;

/** Builds a rights word (`seL4_CapRights_new(grantReply, grant, read, write)`). */
export function seL4_CapRights_new(grantReply: number, grant: number, read: number, write: number): CapRights {
  return ((grantReply & 1) << 3) | ((grant & 1) << 2) | ((read & 1) << 1) | (write & 1);
}

/** The rights words libsel4 names. */
export const Rights = {
  seL4_NoRights: 0,
  seL4_CanWrite: 1,
  seL4_CanRead: 2,
  seL4_ReadWrite: 3,
  seL4_CanGrant: 4,
  seL4_CanGrantReply: 8,
  seL4_NoWrite: 14,
  seL4_NoRead: 13,
  seL4_AllRights: 15,
} as const;

/** CNode capability data (`seL4_CNode_CapData_new(guard, guardSize)`): guard:58 | guardSize:6. */
export function seL4_CNode_CapData_new(guard: number, guardSize: number): number {
  return guard * 64 + (guardSize & 63);
}
