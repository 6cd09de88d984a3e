import { errorCode } from '@os/kernel';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** An XML text that is not well-formed, or a node lacking what its reader needs; names the place. */
export class XmlError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_XML`: compare it, not the class, to recognise an error from another copy of
   * this package.
   */
  readonly code: string;

  /** The code of this class's errors (`XmlError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error for `origin` (a ROM or file name) at `line` (1-based; 0 when unknown). */
  constructor(
    message: string,
    /** Where the text came from: a ROM module's or a file's name. */
    readonly origin: string,
    /** The line the problem is on, 1-based; 0 when it is not about one place. */
    readonly line: number,
  ) {
    super(line > 0 ? `${origin}:${line}: ${message}` : `${origin}: ${message}`);
    this.name = new.target.name;
    this.code = errorCode(new.target.name);
  }
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** Where the parser puts a CDATA section's text: not a name an element can have. */
const CDATA = '#cdata';

const PARSER = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  captureMetaData: true,
  parseAttributeValue: false,
  parseTagValue: false,
  // attribute values as written (Genode does not trim them either: label=" x" is a label with a
  // space); text is trimmed here, a run at a time, and CDATA kept as written
  trimValues: false,
  cdataPropName: CDATA,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // The parser's default renames elements and attributes called `toString`, `valueOf`,
  // `hasOwnProperty`, `__defineGetter__`, ... to `__toString` and so on, silently: a config read
  // another element or attribute than the one written. Keep every name as written: the parser's
  // node objects are only read here, by `Object.keys` and `Object.entries`, never through those
  // methods. (`__proto__`, `constructor` and `prototype` it still refuses, as an XmlError.)
  onDangerousProperty: (name: string) => name,
});
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;
// a Map, not an object literal: looked up by an attribute's value, `constructor` or `toString` found
// Object.prototype's functions (truthy), so <exit propagate="constructor"/> read as "yes"
const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['yes', true],
  ['true', true],
  ['on', true],
  ['1', true],
  ['no', false],
  ['false', false],
  ['off', false],
  ['0', false],
]);
const SIZE_SUFFIX: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 * 1024, G: 1024 * 1024 * 1024 };

/**
 * A number as Genode writes it in configs and session arguments: decimal or `0x` hex, with an
 * optional `K`, `M` or `G` size suffix; `undefined` when `text` is not one (or not a safe integer).
 */
export function parseGenodeNumber(text: string): number | undefined {
  const match = /^(0x[0-9a-fA-F]+|[0-9]+)([KMG]?)$/.exec(text);
  const number = match === null ? Number.NaN : Number(match[1]) * (SIZE_SUFFIX[match[2] as string] as number);
  return Number.isSafeInteger(number) ? number : undefined;
}

/**
 * Where each line of `text` starts: a table built once per parse, so finding a node's line is a binary search, not a
 * scan from the top.
 */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

/** The 1-based line of `index` by the table of {@link lineStarts}. */
function lineAt(starts: readonly number[], index: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if ((starts[middle] as number) <= index) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

/**
 * One element of an XML text, after Genode's `Xml_node`: how components read their "config" ROM
 * and init reads its configuration. Attribute readers check the value and name the node, the
 * attribute and the line when it is wrong.
 */
export class XmlNode {
  /** The element's name (`config`, `start`, ...). */
  readonly type: string;
  /** The line the element starts on, 1-based, in {@link XmlNode.origin}. */
  readonly line: number;
  /** Where the text came from. */
  readonly origin: string;
  /**
   * Where the element's `<` is in the parsed text (a 0-based index): lets a tool edit the text in place, as `os run`
   * adds a package's default quota to its start entry.
   */
  readonly offset: number;
  readonly #attributes: ReadonlyMap<string, string>;
  readonly #children: readonly XmlNode[];
  readonly #text: string;
  readonly #source: string;

  private constructor(
    type: string,
    origin: string,
    line: number,
    offset: number,
    attributes: ReadonlyMap<string, string>,
    children: readonly XmlNode[],
    text: string,
    source: string,
  ) {
    this.type = type;
    this.origin = origin;
    this.line = line;
    this.offset = offset;
    this.#attributes = attributes;
    this.#children = children;
    this.#text = text;
    this.#source = source;
  }

  /**
   * Parses `text`, which must hold exactly one top-level element (comments and an XML declaration
   * around it are fine). `origin` names the text in errors.
   */
  static parse(text: string, origin = 'xml'): XmlNode {
    const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
    if (valid !== true) throw new XmlError(valid.err.msg, origin, valid.err.line);
    const starts = lineStarts(text);
    const stray = strayDeclaration(text);
    if (stray >= 0)
      throw new XmlError(
        'not well-formed: "<!" starts neither a comment ("<!--"), a CDATA section ("<![CDATA[") nor a DOCTYPE',
        origin,
        lineAt(starts, stray),
      );
    let parsed: OrderedNode[];
    try {
      parsed = PARSER.parse(text) as OrderedNode[];
    } catch (error) {
      // the validator lets a few malformed texts through (e.g. "<A/"); the parser then gives up
      throw new XmlError(`not well-formed: ${error instanceof Error ? error.message : String(error)}`, origin, 0);
    }
    const top = parsed.filter((node) => elementName(node) !== undefined);
    if (top.length !== 1) throw new XmlError(`expected exactly one top-level element, found ${top.length}`, origin, 0);
    // text beside the top-level element: the validator passes a CDATA section there
    if (
      parsed.some(
        (node) => node[CDATA] !== undefined || (typeof node['#text'] === 'string' && node['#text'].trim() !== ''),
      )
    ) {
      throw new XmlError('not well-formed: text outside the top-level element', origin, 0);
    }
    const root = top[0] as OrderedNode;
    // the validator takes text after a top-level element written <config/> (not after <config></config>) for
    // more of its content, and the parser drops it: "<config/>garbage" read as <config/>
    const trailing = strayTrailer(
      text,
      (root as Record<symbol, { endIndex?: number } | undefined>)[META]?.endIndex ?? text.length,
    );
    if (trailing >= 0)
      throw new XmlError('not well-formed: text after the top-level element', origin, lineAt(starts, trailing));
    return XmlNode.#build(root, text, origin, starts);
  }

  static #build(node: OrderedNode, text: string, origin: string, starts: readonly number[]): XmlNode {
    const type = elementName(node) as string;
    const meta = (node as Record<symbol, { startIndex?: number; endIndex?: number } | undefined>)[META];
    const start = meta?.startIndex ?? 0;
    const end = meta?.endIndex;
    // the parser ends an element at any closing tag: one it was not closed by would run to the end of the text
    if (end === undefined)
      throw new XmlError(`not well-formed: <${type}> is not closed`, origin, lineAt(starts, start));
    const attributes = new Map(Object.entries(node[':@'] ?? {}));
    const children: XmlNode[] = [];
    let content = '';
    for (const child of (node[type] as OrderedNode[] | undefined) ?? []) {
      if (typeof child['#text'] === 'string') content += child['#text'].trim();
      else if (child[CDATA] !== undefined) content += (child[CDATA] as { '#text'?: string }[])[0]?.['#text'] ?? '';
      else if (elementName(child) !== undefined) children.push(XmlNode.#build(child, text, origin, starts));
    }
    return new XmlNode(
      type,
      origin,
      lineAt(starts, start),
      start,
      attributes,
      children,
      content,
      text.slice(start, end),
    );
  }

  /** The node's text as written, from `<type` to its end: what init hands a child as its config. */
  get source(): string {
    return this.#source;
  }

  /**
   * The text directly inside the element (entities decoded, each run of text trimmed of white space, CDATA sections as
   * written).
   */
  get text(): string {
    return this.#text;
  }

  /** The names of the attributes, in order. */
  attributeNames(): string[] {
    return [...this.#attributes.keys()];
  }

  /** Whether the element has attribute `name`. */
  hasAttribute(name: string): boolean {
    return this.#attributes.has(name);
  }

  /** The raw value of attribute `name`, if present: as written, entities decoded, white space kept. */
  attribute(name: string): string | undefined {
    return this.#attributes.get(name);
  }

  /** Attribute `name` as a string, or `fallback` when absent. */
  stringAttribute(name: string, fallback: string): string {
    return this.#attributes.get(name) ?? fallback;
  }

  /**
   * Attribute `name` as a non-negative integer (decimal or `0x` hex, with Genode's K/M/G size
   * suffixes), or `fallback` when absent; throws `XmlError` when present but not a number.
   */
  numberAttribute(name: string, fallback: number): number {
    const value = this.#attributes.get(name);
    if (value === undefined) return fallback;
    const number = parseGenodeNumber(value);
    if (number === undefined)
      throw this.error(
        `attribute ${name}="${value}" is not a number (write e.g. ${name}="42", ${name}="0x2a" or, for ` +
          `sizes, ${name}="16M")`,
      );
    return number;
  }

  /** Attribute `name` as a boolean (`yes`/`no`, `true`/`false`, `on`/`off`, `1`/`0`), or `fallback` when absent. */
  booleanAttribute(name: string, fallback: boolean): boolean {
    const value = this.#attributes.get(name);
    if (value === undefined) return fallback;
    const flag = BOOLEAN_WORDS.get(value);
    if (flag === undefined)
      throw this.error(`attribute ${name}="${value}" is not a boolean (write ${name}="yes" or ${name}="no")`);
    return flag;
  }

  /** The sub-elements, all or those of `type`, in order. */
  subNodes(type?: string): XmlNode[] {
    return type === undefined ? [...this.#children] : this.#children.filter((child) => child.type === type);
  }

  /** Whether there is a sub-element of `type`. */
  hasSubNode(type: string): boolean {
    return this.#children.some((child) => child.type === type);
  }

  /** The first sub-element of `type`; throws `XmlError` naming this node when there is none. */
  subNode(type: string): XmlNode {
    const found = this.#children.find((child) => child.type === type);
    if (found === undefined) throw this.error(`<${this.type}> has no <${type}> sub-node`);
    return found;
  }

  /** An `XmlError` about this node: its origin and line go in front of `message`. */
  error(message: string): XmlError {
    return new XmlError(message, this.origin, this.line);
  }
}

/**
 * Where `text` has a `<!` that starts no comment, CDATA section or DOCTYPE outside markup, or -1.
 * The validator passes over such a `<!` as if it were text, and the parser then reads it as an element
 * named `!…` (which its next closing tag ends, whatever its name) or, for `<![`, as a CDATA section:
 * `<a><!x></a>` read as a tree, with a source running to the end of the text. One pass, skipping
 * markup as the validator does: comments, CDATA, processing instructions, DOCTYPE, tags with their
 * quoted attribute values.
 */
function strayDeclaration(text: string): number {
  let at = text.indexOf('<');
  while (at !== -1) {
    let next: number;
    if (text.startsWith('<!--', at)) next = after(text.indexOf('-->', at + 4), 3);
    else if (text.startsWith('<![CDATA[', at)) next = after(text.indexOf(']]>', at + 9), 3);
    else if (text.startsWith('<!DOCTYPE', at)) next = doctypeEnd(text, at + 9);
    else if (text.charCodeAt(at + 1) === 0x21 /* ! */) return at;
    else if (text.charCodeAt(at + 1) === 0x3f /* ? */) next = after(text.indexOf('?>', at + 2), 2);
    else next = tagEnd(text, at + 1);
    // unterminated: the parser refuses it
    if (next < 0) return -1;
    at = text.indexOf('<', next);
  }
  return -1;
}

/** Where `text` from `from` holds more than white space, comments and processing instructions, or -1. */
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

/** `index + length`, or -1 when `index` is -1 (not found). */
function after(index: number, length: number): number {
  return index < 0 ? -1 : index + length;
}

/** Past the `>` that ends a DOCTYPE from `from`, counting nested `<` and `>` as the validator does; -1 if none. */
function doctypeEnd(text: string, from: number): number {
  let depth = 1;
  for (let at = from; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 0x3c) depth++;
    else if (code === 0x3e && --depth === 0) return at + 1;
  }
  return -1;
}

/** Past the `>` that ends a tag from `from`, outside quoted attribute values; -1 if none. */
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
