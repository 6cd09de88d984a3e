/** The granularity RAM is charged in: a dataspace of 1 byte costs one page. */
export const PAGE_SIZE = 4096;

/** Rounds a byte size up to whole pages. */
export function pageRound(size: number): number {
  return Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
}
