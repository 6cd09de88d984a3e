import { format as hostFormat, parse as hostParse } from 'node:url';

/** A plain copy of a legacy URL object: the host's `Url` instances and their prototype stay the host's. */
function plainUrl(parsed: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...parsed };
  const query = copy['query'];
  if (typeof query === 'object' && query !== null) {
    const plain: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(query))
      Object.defineProperty(plain, key, {
        value: Array.isArray(value) ? [...value] : value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    copy['query'] = plain;
  }
  return copy;
}

/**
 * `node:url` for a program: the WHATWG `URL` and `URLSearchParams`, and the legacy `parse` and `format` (mqtt.js and
 * many older libraries parse broker URLs with `url.parse`), which return plain objects of the program's own.
 */
export function nodeUrl() {
  return {
    URL,
    URLSearchParams,
    parse: (text: unknown, parseQuery?: unknown, slashesDenoteHost?: unknown): Record<string, unknown> =>
      plainUrl(hostParse(String(text), parseQuery === (true as never), slashesDenoteHost === true)),
    format: (value: unknown): string =>
      value instanceof URL ? value.href : typeof value === 'string' ? value : hostFormat(plainUrl(value as object)),
  };
}
