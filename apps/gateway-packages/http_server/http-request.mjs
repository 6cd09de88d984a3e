// The head of an HTTP/1.x request (RFC 9112): request line and header fields up to the empty line, no more. The body
// is never read: the server answers every request with `Connection: close`.

/** The most bytes a request head may take, request line and header fields together. */
export const MAX_HEAD_BYTES = 8 * 1024;

/** The most header fields a request may carry. */
export const MAX_HEADER_FIELDS = 100;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([^ ]+) ([^ ]+) HTTP\/(\d)\.(\d)$/;
// field values: visible ASCII, spaces, tabs and obs-text; no control characters
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const decoder = new TextDecoder('latin1');

/** A request the server refuses to answer with its page: `status` and a reason for the LOG. */
export class BadRequest extends Error {
  /**
   * @param {number} status 400 (malformed), 431 (head too large) or 505 (not HTTP/1.x)
   * @param {string} message what is wrong, for the LOG and the error page
   */
  constructor(status, message) {
    super(message);
    this.name = 'BadRequest';
    this.status = status;
  }
}

/**
 * Where the head ends in `bytes`: the index just after the empty line (CRLF CRLF, or a bare LF LF as RFC 9112 lets
 * a server accept), or -1 while it has not come yet.
 * @param {Uint8Array} bytes
 */
export function headEnd(bytes) {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 10) continue;
    if (bytes[i + 1] === 10) return i + 2;
    if (bytes[i + 1] === 13 && bytes[i + 2] === 10) return i + 3;
  }
  return -1;
}

/**
 * Parses a request head (the bytes up to and including the empty line).
 * @param {Uint8Array} head
 * @returns {{ method: string, target: string, version: string, headers: Map<string, string> }}
 */
export function parseRequestHead(head) {
  const lines = decoder.decode(head).split(/\r?\n/);
  // the head ends with an empty line, which split leaves as two empty strings at the end
  lines.splice(-2);
  const requestLine = lines.shift() ?? '';
  const match = REQUEST_LINE.exec(requestLine);
  if (match === null) throw new BadRequest(400, `malformed request line ${JSON.stringify(requestLine.slice(0, 80))}`);
  const [, method, target, major, minor] = match;
  if (!TOKEN.test(method)) throw new BadRequest(400, `malformed method ${JSON.stringify(method.slice(0, 20))}`);
  if (major !== '1') throw new BadRequest(505, `HTTP/${major}.${minor} is not supported; speak HTTP/1.1`);
  if (lines.length > MAX_HEADER_FIELDS)
    throw new BadRequest(431, `${lines.length} header fields, more than the ${MAX_HEADER_FIELDS} accepted`);
  const headers = new Map();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon);
    if (!TOKEN.test(name)) throw new BadRequest(400, `malformed header field ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) throw new BadRequest(400, `header field ${name} holds a control character`);
    const key = name.toLowerCase();
    if (key === 'host' && headers.has('host')) throw new BadRequest(400, 'more than one Host header field');
    headers.set(key, headers.has(key) ? `${headers.get(key)}, ${value}` : value);
  }
  const version = `${major}.${minor}`;
  if (version === '1.1' && !headers.has('host')) throw new BadRequest(400, 'an HTTP/1.1 request without a Host field');
  return { method, target, version, headers };
}
