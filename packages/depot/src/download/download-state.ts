import type { XmlNode } from '@os/runtime';

/** Where an archive is on its way into the local depot (the `state` attribute of `download_state`). */
export type ArchiveState = 'download' | 'verify' | 'extract' | 'done' | 'failed';

/** One archive's line of the `download_state` report. */
export interface ArchiveStatus {
  /** Its state. */
  readonly state: ArchiveState;
  /** Why it failed, or why a download is being retried: the error's message. */
  readonly reason?: string;
  /** The error's class name (`BadSignature`, `ConnectionRefused`), with `reason`. */
  readonly error?: string;
  /** How many times its download has been retried because the depot was unreachable. */
  readonly retry?: number;
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** `text` as an attribute value: markup characters as entities, control characters (line breaks) as spaces. */
function escapeAttribute(text: string): string {
  return text.replace(/[&<>"]/g, (character) => ENTITIES[character] ?? '').replace(/\p{Cc}/gu, ' ');
}

/**
 * The `download_state` report: a line per archive, in the order first seen. Genode's download manager reports the
 * same per archive path; here a failed or retried archive carries the reason.
 */
export class DownloadState {
  readonly #archives = new Map<string, ArchiveStatus>();

  /** Sets the status of `path`. */
  set(path: string, status: ArchiveStatus): void {
    this.#archives.set(path, status);
  }

  /** The status of `path`, if it is reported. */
  get(path: string): ArchiveStatus | undefined {
    return this.#archives.get(path);
  }

  /** Keeps only the archives `keep` answers true for. */
  retain(keep: (path: string) => boolean): void {
    for (const path of [...this.#archives.keys()]) if (!keep(path)) this.#archives.delete(path);
  }

  /** The report: `<download> <archive path state reason? error? retry?/> ... </download>`. */
  toXml(): string {
    if (this.#archives.size === 0) return '<download/>\n';
    const lines = ['<download>'];
    for (const [path, status] of this.#archives) {
      let line = `\t<archive path="${escapeAttribute(path)}" state="${status.state}"`;
      if (status.retry !== undefined) line += ` retry="${status.retry}"`;
      if (status.error !== undefined) line += ` error="${escapeAttribute(status.error)}"`;
      if (status.reason !== undefined) line += ` reason="${escapeAttribute(status.reason)}"`;
      lines.push(`${line}/>`);
    }
    lines.push('</download>');
    return `${lines.join('\n')}\n`;
  }
}

const STATES: readonly string[] = ['download', 'verify', 'extract', 'done', 'failed'];

/**
 * Reads a `download_state` report (what deploy does): each archive's status by path. An `<archive>` without a path or
 * with an unknown state is left out.
 */
export function parseDownloadState(node: XmlNode): Map<string, ArchiveStatus> {
  const archives = new Map<string, ArchiveStatus>();
  for (const archive of node.subNodes('archive')) {
    const path = archive.attribute('path');
    const state = archive.attribute('state');
    if (path === undefined || state === undefined || !STATES.includes(state)) continue;
    const reason = archive.attribute('reason');
    const error = archive.attribute('error');
    const retry = archive.attribute('retry');
    archives.set(path, {
      state: state as ArchiveState,
      ...(reason === undefined ? {} : { reason }),
      ...(error === undefined ? {} : { error }),
      ...(retry === undefined || !/^\d+$/.test(retry) ? {} : { retry: Number(retry) }),
    });
  }
  return archives;
}
