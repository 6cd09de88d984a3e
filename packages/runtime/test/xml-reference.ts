// The reader XmlNode.parse had before its own (fast-xml-parser's validator and parser, and the passes that mended
// what they let through), kept as the oracle of the differential fuzz test (xml-reader.fuzz.test.ts): the tree it
// reads, or the error it throws. Only that test uses it, and fast-xml-parser is a devDependency for it alone.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** What the reference read: a tree of plain values, or its error (message and line, 0 when it named none). */
export type ReferenceResult = { readonly tree: ReferenceTree } | { readonly error: string; readonly line: number };

/** One element as the reference read it. */
export interface ReferenceTree {
  readonly type: string;
  readonly line: number;
  readonly offset: number;
  readonly source: string;
  readonly attributes: readonly (readonly [string, string])[];
  readonly text: string;
  readonly children: readonly ReferenceTree[];
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const CDATA = '#cdata';

const PARSER = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  captureMetaData: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  cdataPropName: CDATA,
  ignoreDeclaration: true,
  ignorePiTags: true,
  onDangerousProperty: (name: string) => name,
});
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

class ReferenceReadError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Reads `text` as XmlNode.parse read it before it had a reader of its own. */
export function referenceRead(text: string): ReferenceResult {
  try {
    return { tree: parse(text) };
  } catch (error) {
    if (error instanceof ReferenceReadError) return { error: error.message, line: error.line };
    throw error;
  }
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function parse(text: string): ReferenceTree {
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) throw new ReferenceReadError(valid.err.msg, valid.err.line);
  const stray = strayDeclaration(text);
  if (stray >= 0) throw new ReferenceReadError('not well-formed: "<!" starts neither ...', lineAt(text, stray));
  let parsed: OrderedNode[];
  try {
    parsed = PARSER.parse(text) as OrderedNode[];
  } catch (error) {
    throw new ReferenceReadError(`not well-formed: ${error instanceof Error ? error.message : String(error)}`, 0);
  }
  const top = parsed.filter((node) => elementName(node) !== undefined);
  if (top.length !== 1) throw new ReferenceReadError(`expected exactly one top-level element, found ${top.length}`, 0);
  if (
    parsed.some(
      (node) => node[CDATA] !== undefined || (typeof node['#text'] === 'string' && node['#text'].trim() !== ''),
    )
  ) {
    throw new ReferenceReadError('not well-formed: text outside the top-level element', 0);
  }
  const root = top[0] as OrderedNode;
  const trailing = strayTrailer(
    text,
    (root as Record<symbol, { endIndex?: number } | undefined>)[META]?.endIndex ?? text.length,
  );
  if (trailing >= 0) throw new ReferenceReadError('not well-formed: text after the top-level element', 0);
  return build(root, text);
}

function build(node: OrderedNode, text: string): ReferenceTree {
  const type = elementName(node) as string;
  const meta = (node as Record<symbol, { startIndex?: number; endIndex?: number } | undefined>)[META];
  const start = meta?.startIndex ?? 0;
  const end = meta?.endIndex;
  if (end === undefined) throw new ReferenceReadError(`not well-formed: <${type}> is not closed`, lineAt(text, start));
  const children: ReferenceTree[] = [];
  let content = '';
  for (const child of (node[type] as OrderedNode[] | undefined) ?? []) {
    if (typeof child['#text'] === 'string') content += child['#text'].trim();
    else if (child[CDATA] !== undefined) content += (child[CDATA] as { '#text'?: string }[])[0]?.['#text'] ?? '';
    else if (elementName(child) !== undefined) children.push(build(child, text));
  }
  return {
    type,
    line: lineAt(text, start),
    offset: start,
    source: text.slice(start, end),
    attributes: Object.entries(node[':@'] ?? {}),
    text: content,
    children,
  };
}

function strayDeclaration(text: string): number {
  let at = text.indexOf('<');
  while (at !== -1) {
    let next: number;
    if (text.startsWith('<!--', at)) next = after(text.indexOf('-->', at + 4), 3);
    else if (text.startsWith('<![CDATA[', at)) next = after(text.indexOf(']]>', at + 9), 3);
    else if (text.startsWith('<!DOCTYPE', at)) next = doctypeEnd(text, at + 9);
    else if (text.charCodeAt(at + 1) === 0x21) return at;
    else if (text.charCodeAt(at + 1) === 0x3f) next = after(text.indexOf('?>', at + 2), 2);
    else next = tagEnd(text, at + 1);
    if (next < 0) return -1;
    at = text.indexOf('<', next);
  }
  return -1;
}

function strayTrailer(text: string, from: number): number {
  let at = from;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) at++;
    else if (text.startsWith('<!--', at)) at = after(text.indexOf('-->', at + 4), 3);
    else if (text.startsWith('<?', at)) at = after(text.indexOf('?>', at + 2), 2);
    else return at;
    if (at < 0) return text.length;
  }
  return -1;
}

function after(index: number, length: number): number {
  return index < 0 ? -1 : index + length;
}

function doctypeEnd(text: string, from: number): number {
  let depth = 1;
  for (let at = from; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 0x3c) depth++;
    else if (code === 0x3e && --depth === 0) return at + 1;
  }
  return -1;
}

function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let at = from; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === 0x22 || code === 0x27) quote = code;
    else if (code === 0x3e) return at + 1;
  }
  return -1;
}

function elementName(node: OrderedNode): string | undefined {
  for (const key of Object.keys(node))
    if (key !== ':@' && key !== '#text' && key !== CDATA && !key.startsWith('?')) return key;
  return undefined;
}
