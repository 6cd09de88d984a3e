// The responses of http_server: its page, and the error pages of a request it refuses.

const encoder = new TextEncoder();

const REASONS = new Map([
  [200, 'OK'],
  [400, 'Bad Request'],
  [405, 'Method Not Allowed'],
  [408, 'Request Timeout'],
  [431, 'Request Header Fields Too Large'],
  [505, 'HTTP Version Not Supported'],
]);

/** Escapes `text` for HTML. */
function html(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A whole HTTP/1.1 response: status line, `Content-Type`, the exact `Content-Length` in bytes, `Connection: close`,
 * and the body (left out for HEAD, its length still given, as RFC 9110 says).
 * @param {number} status
 * @param {string} body an HTML document
 * @param {{ head?: boolean, allow?: string }} [options]
 */
export function response(status, body, options = {}) {
  const bytes = encoder.encode(body);
  const fields = [
    `HTTP/1.1 ${status} ${REASONS.get(status) ?? 'Error'}`,
    'Content-Type: text/html; charset=utf-8',
    `Content-Length: ${bytes.length}`,
    'Connection: close',
    ...(options.allow === undefined ? [] : [`Allow: ${options.allow}`]),
  ];
  const head = encoder.encode(`${fields.join('\r\n')}\r\n\r\n`);
  if (options.head === true) return head;
  const whole = new Uint8Array(head.length + bytes.length);
  whole.set(head);
  whole.set(bytes, head.length);
  return whole;
}

/**
 * The page every good request gets: it names the component (its start name, i.e. the last part of its label) and
 * its version, and counts the requests this instance served.
 * @param {{ name: string, version: string, port: number, request: number }} component
 */
export function componentPage(component) {
  const name = html(component.name);
  return (
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>${name}</title></head>\n` +
    `<body><h1>${name}</h1><p>component <b>${name}</b>, http_server version ${html(component.version)}, ` +
    `serving port ${component.port} through the routed network; request ${component.request} since it started</p>` +
    '</body></html>\n'
  );
}

/**
 * The page of a refused request.
 * @param {number} status
 * @param {string} reason
 */
export function errorPage(status, reason) {
  const title = `${status} ${REASONS.get(status) ?? 'Error'}`;
  return (
    `<!doctype html>\n<html><head><title>${title}</title></head>` +
    `<body><h1>${title}</h1><p>${html(reason)}</p></body></html>\n`
  );
}
