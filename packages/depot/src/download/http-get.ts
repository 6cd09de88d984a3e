// GET over the routed network: node:http speaks HTTP, every byte goes through a Net session (NetStream as its
// createConnection); nothing here opens a host socket.

import { type IncomingMessage, type RequestOptions, request } from 'node:http';
import type { NetConnection } from '@os/net';
import { type NetStream, netStream } from '@os/net/stream';
import { DepotError } from '../errors.js';
import { DepotUnreachable, FetchFailed, ResponseTooLarge, UnexpectedResponse } from './download-errors.js';
import { type KeptConnection, closeStream } from './kept-connection.js';

/** Bounds of one GET. */
export interface HttpGetOptions {
  /** The most bytes the response body may have. */
  readonly maxBytes: number;
  /** How long the connect, and any pause of the response, may last, in milliseconds. */
  readonly timeoutMs: number;
  /** The archive the file belongs to, for messages. */
  readonly archive: string;
}

/** Receives the body chunk by chunk, in order; the next chunk is read only after its promise settled. */
export type BodySink = (chunk: Uint8Array) => Promise<void>;

/** What a GET found: the body went to the sink, or the server has no such file. */
export type HttpGetResult = 'ok' | 'not-found';

type HttpSocket = ReturnType<NonNullable<RequestOptions['createConnection']>>;

/** Net error kinds that pass: the depot may be back on the next attempt. */
const PASSING = new Set(['refused', 'unreachable', 'reset', 'timed-out', 'closed', 'failed']);

/** The download error for a failure of the request: passing ones become {@link DepotUnreachable}. */
function downloadError(error: unknown, url: URL, archive: string): DepotError {
  if (error instanceof DepotError) return error;
  const failure = error instanceof Error ? error : new Error(String(error));
  const kind = (failure as { kind?: unknown }).kind;
  const code = (failure as { code?: unknown }).code;
  const what = `${failure.name}: ${failure.message}`;
  if ((typeof kind === 'string' && PASSING.has(kind)) || code === 'ECONNRESET')
    return new DepotUnreachable(`${archive}: GET ${url.href} failed: ${what}`, archive);
  return new FetchFailed(`${archive}: GET ${url.href} failed: ${what}`, archive);
}

function declaredLength(response: IncomingMessage): number | undefined {
  const header = response.headers['content-length'];
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : Number.POSITIVE_INFINITY;
}

async function receive(
  response: IncomingMessage,
  url: URL,
  options: HttpGetOptions,
  sink: BodySink,
): Promise<HttpGetResult> {
  const { archive, maxBytes } = options;
  const status = response.statusCode ?? 0;
  if (status === 404) {
    response.resume();
    return 'not-found';
  }
  if (status >= 500 || status === 408 || status === 429)
    throw new DepotUnreachable(`${archive}: GET ${url.href} answered ${status} ${response.statusMessage}`, archive);
  if (status !== 200)
    throw new UnexpectedResponse(
      `${archive}: GET ${url.href} answered ${status} ${response.statusMessage}; the depot serves its files with ` +
        '200 or 404: check the url in the config',
      archive,
    );
  const declared = declaredLength(response);
  if (declared !== undefined && declared > maxBytes)
    throw new ResponseTooLarge(
      `${archive}: GET ${url.href} announces ${response.headers['content-length']} bytes (Content-Length), more ` +
        `than the limit of ${maxBytes} bytes (max_archive_bytes); nothing of it is kept`,
      archive,
    );
  let received = 0;
  let stored = true;
  const cut = (why: string): DepotUnreachable =>
    new DepotUnreachable(
      `${archive}: GET ${url.href} broke off after ${received} of ${declared ?? 'unknown'} bytes (${why})`,
      archive,
    );
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > maxBytes)
        throw new ResponseTooLarge(
          `${archive}: GET ${url.href} sent more than the limit of ${maxBytes} bytes (max_archive_bytes); nothing ` +
            'of it is kept',
          archive,
        );
      stored = false;
      await sink(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      stored = true;
    }
  } catch (error) {
    // a refusal, or the quarantine failing to store a chunk, is no broken connection
    if (error instanceof DepotError || !stored || response.complete) throw error;
    throw cut(error instanceof Error ? error.message : String(error));
  }
  if (declared !== undefined && received !== declared) throw cut('the connection ended early');
  return 'ok';
}

/**
 * GETs `url` through `net` and hands the body to `sink`: over `connection`'s kept connection when one is given (a
 * GET that finds it dead before any answer is sent once more on a new one), else over a connection of its own
 * (`Connection: close`). Answers `not-found` for a 404; throws {@link DepotUnreachable} for a failure that passes
 * (refused, reset, timed out, 5xx, a body cut short), {@link ResponseTooLarge} beyond `maxBytes`,
 * {@link UnexpectedResponse} for another status, and {@link FetchFailed} for a refusal of the network itself (the net
 * server's policy, TLS). Resolves only once a connection of its own, or a kept one that failed, is closed again.
 */
export async function httpGet(
  net: NetConnection,
  url: URL,
  options: HttpGetOptions,
  sink: BodySink,
  connection?: KeptConnection,
): Promise<HttpGetResult> {
  if (connection === undefined) return getOnce(net, url, options, sink, undefined);
  try {
    return await getOnce(net, url, options, sink, connection);
  } catch (error) {
    if (!(error instanceof StaleConnection)) throw error;
    return getOnce(net, url, options, sink, connection).catch((again: unknown) => {
      throw again instanceof StaleConnection ? again.failure : again;
    });
  }
}

/** A GET that failed before any answer over a connection an earlier GET had used: the server may have closed it. */
class StaleConnection extends Error {
  constructor(readonly failure: DepotError) {
    super(failure.message);
  }
}

async function getOnce(
  net: NetConnection,
  url: URL,
  options: HttpGetOptions,
  sink: BodySink,
  connection: KeptConnection | undefined,
): Promise<HttpGetResult> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 80 : Number(url.port);
  let stream: NetStream | undefined;
  let failed = false;
  try {
    return await new Promise<HttpGetResult>((resolve, reject) => {
      let responded = false;
      const outgoing = request({
        method: 'GET',
        host,
        port,
        path: `${url.pathname}${url.search}`,
        timeout: options.timeoutMs,
        ...(connection === undefined
          ? {
              headers: { connection: 'close', 'accept-encoding': 'identity' },
              createConnection: () => {
                stream = netStream(net.connect({ host, port, timeoutMs: options.timeoutMs }));
                return stream as unknown as HttpSocket;
              },
            }
          : { headers: { 'accept-encoding': 'identity' }, agent: connection.agent }),
      });
      outgoing.on('socket', (socket) => {
        if (connection !== undefined) stream = socket as unknown as NetStream;
      });
      outgoing.on('timeout', () =>
        outgoing.destroy(
          new DepotUnreachable(
            `${options.archive}: GET ${url.href} stalled for ${options.timeoutMs} ms (timeout_ms)`,
            options.archive,
          ),
        ),
      );
      outgoing.on('error', (error) => {
        failed = true;
        const failure = downloadError(error, url, options.archive);
        reject(
          !responded && connection !== undefined && outgoing.reusedSocket ? new StaleConnection(failure) : failure,
        );
      });
      outgoing.on('response', (response) => {
        responded = true;
        receive(response, url, options, sink).then(resolve, (error: unknown) => {
          failed = true;
          reject(downloadError(error, url, options.archive));
          outgoing.destroy();
        });
      });
      outgoing.end();
    });
  } finally {
    if (connection === undefined || failed) await closeStream(stream);
  }
}
