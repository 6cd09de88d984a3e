import { XmlError } from './xml-error.js';
import { readXml } from './xml-reader.js';

export { XmlError } from './xml-error.js';

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
  /** The parsed text and where the element ends in it: its source is cut out when asked for. */
  readonly #document: string;
  readonly #end: number;

  private constructor(
    type: string,
    origin: string,
    line: number,
    offset: number,
    attributes: ReadonlyMap<string, string>,
    children: readonly XmlNode[],
    text: string,
    document: string,
    end: number,
  ) {
    this.type = type;
    this.origin = origin;
    this.line = line;
    this.offset = offset;
    this.#attributes = attributes;
    this.#children = children;
    this.#text = text;
    this.#document = document;
    this.#end = end;
  }

  /**
   * Parses `text`, which must hold exactly one top-level element (an XML declaration, a DOCTYPE, comments and
   * processing instructions around it are fine). `origin` names the text in errors. Throws `XmlError` naming the line
   * of anything that is not well-formed.
   */
  static parse(text: string, origin = 'xml'): XmlNode {
    return readXml<XmlNode>(
      text,
      origin,
      (type, line, offset, end, attributes, children, content) =>
        new XmlNode(type, origin, line, offset, attributes, children, content, text, end),
    );
  }

  /** The node's text as written, from `<type` to its end: what init hands a child as its config. */
  get source(): string {
    return this.#document.slice(this.offset, this.#end);
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
