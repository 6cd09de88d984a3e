import { XmlNode } from '@os/runtime';
import { romText } from './xml-text.js';

/** Where the download is with one archive: Genode's download manager's steps, then `done` or `failed`. */
export type DownloadStep = 'download' | 'verify' | 'extract' | 'done' | 'failed';

/** One `<archive>` of the download component's `download_state` report. */
export interface ArchiveDownload {
  /** Its step. */
  readonly state: DownloadStep;
  /** Why it failed (with `failed`), or what it waits for (a retry while the depot server is unreachable). */
  readonly reason?: string;
  /** The class of the error behind `reason` (`BadSignature`, `DepotUnreachable`). */
  readonly error?: string;
  /** How often the download was retried because the depot server was unreachable. */
  readonly retry?: number;
}

const STEPS: readonly string[] = ['download', 'verify', 'extract', 'done', 'failed'];

/**
 * Reads the `download_state` ROM: a `<download>` node holding one `<archive path state retry error reason/>` per
 * archive path, `state` one of `download`, `verify`, `extract`, `done` and `failed` (each pkg of the installation
 * stands for the whole pkg; the archives it needs may follow). Nodes with an unknown state or no path are skipped; an
 * empty or malformed ROM reads as no archive at all.
 */
export function readDownloadState(text: string): ReadonlyMap<string, ArchiveDownload> {
  const archives = new Map<string, ArchiveDownload>();
  const content = romText(text).trim();
  if (content === '') return archives;
  let root: XmlNode;
  try {
    root = XmlNode.parse(content, 'ROM "download_state"');
  } catch {
    return archives;
  }
  if (root.type !== 'download') return archives;
  for (const node of root.subNodes('archive')) {
    const path = node.attribute('path');
    const state = node.attribute('state');
    if (path === undefined || state === undefined || !STEPS.includes(state)) continue;
    const reason = node.attribute('reason');
    const error = node.attribute('error');
    const retry = node.attribute('retry');
    // added one by one, not spread: read at every step of every download
    const download: { state: DownloadStep; reason?: string; error?: string; retry?: number } = {
      state: state as DownloadStep,
    };
    if (reason !== undefined) download.reason = reason;
    if (error !== undefined) download.error = error;
    if (retry !== undefined && /^\d{1,9}$/.test(retry)) download.retry = Number(retry);
    archives.set(path, download);
  }
  return archives;
}
