import { pageRound } from '@os/kernel';

/** The service's name, as announced and routed: Genode's. */
export const FILE_SYSTEM_SERVICE = 'File_system';

/** The buffer a session gets when the client names no `tx_buf_size`: 64 KiB. */
export const DEFAULT_TX_BUF_SIZE = 64 * 1024;

/** The smallest buffer a session may ask for: one page, which holds any directory entry. */
export const MIN_TX_BUF_SIZE = 4096;

/** RAM each open handle costs the session's donation (its entry and path at the server). */
export const NODE_HANDLE_RAM = 1024;

/** Handles the base cost of a session pays for; a larger donation (an upgrade) pays for more. */
export const DEFAULT_NODE_HANDLES = 16;

/** Capabilities a session costs: the session object and its buffer's dataspace. */
export const FILE_SYSTEM_SESSION_CAPS = 2;

/** RAM a session with a buffer of `txBufSize` bytes costs: the page-rounded buffer and {@link DEFAULT_NODE_HANDLES}. */
export function fileSystemSessionRam(txBufSize: number): number {
  return pageRound(txBufSize) + DEFAULT_NODE_HANDLES * NODE_HANDLE_RAM;
}
