import { type FileHandle, open, realpath } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, sep } from 'node:path';

/** Options of {@link serveDepot}. */
export interface ServeOptions {
  /** The TCP port; 0 (the default) takes a free one. */
  readonly port?: number;
  /** The address listened on: `127.0.0.1` (loopback) by default. */
  readonly host?: string;
  /** Told of each request once answered: its method, target as sent, and status (a request log). */
  readonly onRequest?: (method: string, target: string, status: number) => void;
}

/** A running depot server. */
export interface DepotServer {
  /** `http://127.0.0.1:<port>/`: the base URL a download appends `<user>/<kind>/...` to. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/** Why a request gets no file: its status and the line of text sent with it. */
class Refusal {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {}
}

const NOT_FOUND = new Refusal(404, 'not found');
const OUTSIDE = new Refusal(403, 'outside the depot');

function contentType(path: string): string {
  if (path.endsWith('.tar.gz')) return 'application/gzip';
  if (path.endsWith('.sig')) return 'application/octet-stream';
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.includes('.') ? 'application/octet-stream' : 'text/plain; charset=utf-8';
}

/** The depot-relative parts of a request target, each percent-decoded and checked; a `Refusal` when it has none. */
function targetParts(target: string): string[] | Refusal {
  if (!target.startsWith('/')) return new Refusal(400, 'the request target is no path');
  const path = target.replace(/[?#].*$/s, '');
  const parts: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    let part: string;
    try {
      part = decodeURIComponent(raw);
    } catch {
      return new Refusal(400, 'the request target has a malformed percent-encoding');
    }
    if (part === '..' || part === '.' || /[/\\\0]/.test(part)) return OUTSIDE;
    if (part === '') return NOT_FOUND;
    parts.push(part);
  }
  return parts;
}

/** Opens the file `parts` name under `root` (a real path), refusing what resolves outside it (a symlink out). */
async function openInside(root: string, parts: readonly string[]): Promise<FileHandle | Refusal> {
  let real: string;
  try {
    real = await realpath(join(root, ...parts));
  } catch {
    return NOT_FOUND;
  }
  if (!real.startsWith(root + sep)) return OUTSIDE;
  let file: FileHandle;
  try {
    file = await open(real, 'r');
  } catch {
    return NOT_FOUND;
  }
  if (!(await file.stat()).isFile()) {
    await file.close();
    return NOT_FOUND;
  }
  return file;
}

function refuse(response: ServerResponse, refusal: Refusal, head: boolean): void {
  const body = `${refusal.status} ${refusal.text}\n`;
  response.writeHead(refusal.status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(refusal.status === 405 ? { allow: 'GET, HEAD' } : {}),
  });
  response.end(head ? undefined : body);
}

async function answer(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const head = request.method === 'HEAD';
  if (request.method !== 'GET' && !head)
    return refuse(response, new Refusal(405, 'read-only: GET and HEAD only'), head);
  const parts = targetParts(request.url ?? '');
  if (parts instanceof Refusal) return refuse(response, parts, head);
  const file = await openInside(root, parts);
  if (file instanceof Refusal) return refuse(response, file, head);
  const { size } = await file.stat();
  response.writeHead(200, {
    'content-type': contentType(parts.join('/')),
    'content-length': size,
    'x-content-type-options': 'nosniff',
  });
  if (head) {
    await file.close();
    response.end();
    return;
  }
  const stream = file.createReadStream();
  stream.pipe(response);
  stream.on('error', () => response.destroy());
}

/**
 * Serves a depot folder read-only over HTTP (Genode's download location): GET and HEAD of its files, 404 for what is
 * missing or a folder, 403 for a target that climbs out (`..`, `%2e%2e`, an encoded slash) or a symlink that leads
 * out of the folder, 405 for other methods. Listens on 127.0.0.1 unless told otherwise.
 */
export async function serveDepot(dir: string, options: ServeOptions = {}): Promise<DepotServer> {
  const root = await realpath(dir);
  // an answer's header and body go out at once, not held back behind the client's delayed ACK (Nagle's algorithm)
  const server: Server = createServer({ noDelay: true }, (request, response) => {
    const log = options.onRequest;
    if (log !== undefined)
      response.once('close', () => log(request.method ?? '', request.url ?? '', response.statusCode));
    answer(root, request, response).catch(() => {
      if (!response.headersSent) refuse(response, new Refusal(500, 'internal error'), request.method === 'HEAD');
      else response.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
