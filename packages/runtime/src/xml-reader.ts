import { XmlError } from './xml-error.js';

/**
 * Makes the tree's node for one element once its end is read, its sub-elements made before it: `offset` is the index
 * of its `<`, `end` the index just past its end tag, `text` its character data (each run trimmed, entity references
 * decoded, CDATA sections as written).
 */
export type XmlElementBuilder<Node> = (
  type: string,
  line: number,
  offset: number,
  end: number,
  attributes: ReadonlyMap<string, string>,
  children: readonly Node[],
  text: string,
) => Node;

/** How deep elements may nest: a reader of the tree may recurse, a config needs a handful of levels. */
const XML_MAX_DEPTH = 100;
/** The most entities a DOCTYPE may declare, the longest value one may have, and how much they may add to a text. */
const MAX_ENTITIES = 1000;
const MAX_ENTITY_VALUE = 10_000;
const MAX_EXPANSION = 100_000;

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const BANG = 0x21;
const DOUBLE_QUOTE = 0x22;
const HASH = 0x23;
const PERCENT = 0x25;
const AMPERSAND = 0x26;
const SINGLE_QUOTE = 0x27;
const SLASH = 0x2f;
const SEMICOLON = 0x3b;
const LESS = 0x3c;
const EQUALS = 0x3d;
const GREATER = 0x3e;
const QUESTION = 0x3f;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LOWER_X = 0x78;

const PREDEFINED: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);
const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();
const NO_CHILDREN: readonly never[] = Object.freeze([]);
const LINE_BREAKS = /\r\n?/g;
/** What an entity's value may not hold: markup, references, and what the former reader took for an attack. */
const ENTITY_VALUE_REFUSED = /[<>&%:=("']/;

/** Bits of {@link ASCII_NAME}: may start a name, may continue one, is a letter, digit or `_` (an entity's name). */
const NAME_START = 1;
const NAME_CHAR = 2;
const WORD_CHAR = 4;
const ASCII_NAME = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  const word = /[A-Za-z0-9_]/.test(char);
  ASCII_NAME[code] =
    (/[A-Za-z_:]/.test(char) ? NAME_START : 0) |
    (/[A-Za-z0-9_:.-]/.test(char) ? NAME_CHAR : 0) |
    (word ? WORD_CHAR : 0);
}

/**
 * XML's NameStartChar beyond ASCII, in the Basic Multilingual Plane (a name of astral characters is refused), but for
 * the two that JavaScript takes for white space (U+1680, U+FEFF): the reader this one replaced cut names there.
 */
function isNameStartBeyondAscii(code: number): boolean {
  return (
    code !== 0x1680 &&
    code !== 0xfeff &&
    ((code >= 0xc0 && code <= 0xd6) ||
      (code >= 0xd8 && code <= 0xf6) ||
      (code >= 0xf8 && code <= 0x2ff) ||
      (code >= 0x370 && code <= 0x37d) ||
      (code >= 0x37f && code <= 0x1fff) ||
      code === 0x200c ||
      code === 0x200d ||
      (code >= 0x2070 && code <= 0x218f) ||
      (code >= 0x2c00 && code <= 0x2fef) ||
      (code >= 0x3001 && code <= 0xd7ff) ||
      (code >= 0xf900 && code <= 0xfdcf) ||
      (code >= 0xfdf0 && code <= 0xfffd))
  );
}

/** XML's NameChar beyond ASCII, in the Basic Multilingual Plane. */
function isNameCharBeyondAscii(code: number): boolean {
  return (
    isNameStartBeyondAscii(code) ||
    code === 0xb7 ||
    (code >= 0x300 && code <= 0x36f) ||
    code === 0x203f ||
    code === 0x2040
  );
}

/** XML's white space: space, tab, line feed, carriage return (NaN, past the end, is none). */
function isSpace(code: number): boolean {
  return code === SPACE || code === LF || code === TAB || code === CR;
}

/** A code point XML allows in a document (what a character reference may name). */
function isXmlChar(code: number): boolean {
  return (
    code === TAB ||
    code === LF ||
    code === CR ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The value of a hex digit (`hex`) or decimal digit, or -1. */
function digitValue(code: number, hex: boolean): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (!hex) return -1;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** An element whose end tag is still to come. */
class OpenElement<Node> {
  /** Its character data so far. */
  text = '';
  /** The run of text being read (comments do not end a run): trimmed and decoded when markup ends it. */
  run = '';
  readonly children: Node[] = [];

  constructor(
    readonly type: string,
    readonly offset: number,
    readonly line: number,
    readonly attributes: ReadonlyMap<string, string>,
  ) {}
}

/**
 * Reads `text`, an XML document with exactly one top-level element, in one pass, and returns that element's node as
 * `build` makes it. Strict: whatever is not well-formed is an `XmlError` naming `origin` and the line. Reads a DOCTYPE
 * before the element (its entity declarations of plain text; no other declarations), the five predefined entities,
 * and keeps a character reference (`&#65;`) as written.
 */
export function readXml<Node>(text: string, origin: string, build: XmlElementBuilder<Node>): Node {
  return new XmlReader(text, origin, build).document();
}

class XmlReader<Node> {
  readonly #text: string;
  readonly #origin: string;
  readonly #build: XmlElementBuilder<Node>;
  readonly #length: number;
  /** Where reading goes on. */
  #position = 0;
  /** The line of {@link XmlReader.#nextLineFeed}, and where the next line feed is (the length when there is none). */
  #line = 1;
  #nextLineFeed: number;
  /** Where the next `&` is from the last text read (the length when there is none): each `&` is looked for once. */
  #nextAmpersand = -1;
  /** Where the next carriage return is from the last text read (the length when there is none). */
  #nextCarriageReturn = -1;
  /** The entities a DOCTYPE declared, and how many characters their references have added so far. */
  #entities: Map<string, string> | undefined;
  #expansion = 0;
  /** The start tag just read: its name and attributes. */
  #tagType = '';
  #tagAttributes: ReadonlyMap<string, string> = NO_ATTRIBUTES;

  constructor(text: string, origin: string, build: XmlElementBuilder<Node>) {
    this.#text = text;
    this.#origin = origin;
    this.#build = build;
    this.#length = text.length;
    this.#nextLineFeed = this.#find('\n', 0);
  }

  /** The document: prolog, the one element, what may follow it. */
  document(): Node {
    const text = this.#text;
    // a byte order mark, then the XML declaration if any
    const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.#position = start;
    let doctype = false;
    for (;;) {
      this.#skipSpace();
      const at = this.#position;
      if (at >= this.#length) throw this.#fail('expected exactly one top-level element, found none', at);
      if (text.charCodeAt(at) !== LESS) throw this.#fail('text before the top-level element', at);
      const next = text.charCodeAt(at + 1);
      if (next === QUESTION) this.#instruction(start);
      else if (next !== BANG) break;
      else if (text.startsWith('<!--', at)) this.#comment();
      else if (!text.startsWith('<!DOCTYPE', at)) throw this.#strayDeclaration(at);
      else if (doctype) throw this.#fail('a second DOCTYPE', at);
      else {
        doctype = true;
        this.#doctype();
      }
    }
    const root = this.#element();
    for (;;) {
      this.#skipSpace();
      const at = this.#position;
      if (at >= this.#length) return root;
      if (text.charCodeAt(at) !== LESS) throw this.#fail('text after the top-level element', at);
      const next = text.charCodeAt(at + 1);
      if (next === QUESTION) this.#instruction(-1);
      else if (text.startsWith('<!--', at)) this.#comment();
      else if (next === BANG) throw this.#fail('"<!" after the top-level element, where only comments may be', at);
      else if (next === SLASH) throw this.#fail('an end tag after the top-level element ended', at);
      else throw this.#fail(`expected exactly one top-level element, found a second: <${this.#nameAt(at + 1)}>`, at);
    }
  }

  /** The element at `<` and all it holds, read with a stack of the open elements: nesting costs no recursion. */
  #element(): Node {
    const text = this.#text;
    const build = this.#build;
    const open: OpenElement<Node>[] = [];
    for (;;) {
      // at a start tag
      const offset = this.#position;
      if (open.length >= XML_MAX_DEPTH) throw this.#fail(`elements nested deeper than ${XML_MAX_DEPTH} levels`, offset);
      const line = this.#lineOf(offset);
      const empty = this.#startTag();
      if (!empty) {
        open.push(new OpenElement<Node>(this.#tagType, offset, line, this.#tagAttributes));
      } else {
        const node = build(this.#tagType, line, offset, this.#position, this.#tagAttributes, NO_CHILDREN, '');
        const parent = open[open.length - 1];
        if (parent === undefined) return node;
        parent.children.push(node);
      }
      // the content of the innermost open element, up to the next start tag
      for (;;) {
        const current = open[open.length - 1] as OpenElement<Node>;
        const less = text.indexOf('<', this.#position);
        if (less === -1)
          throw this.#fail(
            `<${current.type}> is not closed: the text ends before its </${current.type}>`,
            current.offset,
          );
        if (less > this.#position) this.#characters(current, this.#position, less);
        this.#position = less;
        const next = text.charCodeAt(less + 1);
        if (next === SLASH) {
          this.#endRun(current);
          this.#endTag(current);
          open.pop();
          const node = build(
            current.type,
            current.line,
            current.offset,
            this.#position,
            current.attributes,
            current.children,
            current.text,
          );
          const parent = open[open.length - 1];
          if (parent === undefined) return node;
          parent.children.push(node);
        } else if (next === BANG) {
          if (text.startsWith('<!--', less)) this.#comment();
          else if (!text.startsWith('<![CDATA[', less)) throw this.#strayDeclaration(less);
          else {
            this.#endRun(current);
            current.text += this.#cdata();
          }
        } else if (next === QUESTION) {
          this.#endRun(current);
          this.#instruction(-1);
        } else {
          this.#endRun(current);
          break;
        }
      }
    }
  }

  /**
   * Reads the start tag at `<`: sets {@link XmlReader.#tagType} and {@link XmlReader.#tagAttributes}, and says whether
   * it is an empty-element tag (`<a/>`).
   */
  #startTag(): boolean {
    const text = this.#text;
    const start = this.#position;
    const nameEnd = this.#nameEnd(start + 1);
    if (nameEnd === start + 1) throw this.#fail('"<" starts no element name (write &lt; for a "<" in text)', start);
    const type = text.slice(start + 1, nameEnd);
    let attributes: Map<string, string> | undefined;
    let at = nameEnd;
    for (;;) {
      const spaceStart = at;
      while (isSpace(text.charCodeAt(at))) at++;
      const code = text.charCodeAt(at);
      if (code === GREATER || code === SLASH) {
        if (code === SLASH && text.charCodeAt(at + 1) !== GREATER)
          throw this.#fail(`<${type}>: "/" not followed by ">"`, at);
        this.#position = code === SLASH ? at + 2 : at + 1;
        this.#tagType = type;
        this.#tagAttributes = attributes ?? NO_ATTRIBUTES;
        return code === SLASH;
      }
      if (at >= this.#length) throw this.#fail(`<${type}> is not closed: the text ends inside its start tag`, start);
      const nameStart = at;
      at = this.#nameEnd(at);
      if (at === nameStart)
        throw this.#fail(`<${type}>: "${text[nameStart]}" where an attribute name, ">" or "/>" belongs`, nameStart);
      if (nameStart === spaceStart)
        throw this.#fail(`<${type}>: no white space before attribute ${text.slice(nameStart, at)}`, nameStart);
      const name = text.slice(nameStart, at);
      while (isSpace(text.charCodeAt(at))) at++;
      if (text.charCodeAt(at) !== EQUALS)
        throw this.#fail(`<${type}>: attribute ${name} has no value (write ${name}="...")`, nameStart);
      at++;
      while (isSpace(text.charCodeAt(at))) at++;
      const quote = text.charCodeAt(at);
      if (quote !== DOUBLE_QUOTE && quote !== SINGLE_QUOTE)
        throw this.#fail(`<${type}>: the value of attribute ${name} is not quoted (write ${name}="...")`, at);
      const close = text.indexOf(quote === DOUBLE_QUOTE ? '"' : "'", at + 1);
      if (close === -1) throw this.#fail(`<${type}>: the value of attribute ${name} is not closed`, at);
      const value = this.#attributeValue(type, name, at + 1, close);
      if (attributes === undefined) attributes = new Map();
      else if (attributes.has(name)) throw this.#fail(`<${type}> has attribute ${name} twice`, nameStart);
      attributes.set(name, value);
      at = close + 1;
    }
  }

  /** The value of attribute `name` between `start` and `end`: as written, entity references decoded. */
  #attributeValue(type: string, name: string, start: number, end: number): string {
    const text = this.#text;
    let special = false;
    for (let at = start; at < end; at++) {
      const code = text.charCodeAt(at);
      if (code === LESS) throw this.#fail(`<${type}>: "<" in the value of attribute ${name} (write &lt;)`, at);
      if (code === AMPERSAND) {
        at = this.#reference(at) - 1;
        special = true;
      } else if (code === CR) special = true;
    }
    const value = text.slice(start, end);
    return special ? this.#decode(value.replace(LINE_BREAKS, '\n')) : value;
  }

  /** Reads the end tag at `</`, which must close `current`. */
  #endTag(current: OpenElement<Node>): void {
    const text = this.#text;
    const start = this.#position;
    const nameEnd = this.#nameEnd(start + 2);
    const name = text.slice(start + 2, nameEnd);
    let at = nameEnd;
    while (isSpace(text.charCodeAt(at))) at++;
    if (name === '' || text.charCodeAt(at) !== GREATER) {
      throw this.#fail(
        name === '' ? '"</" starts no end tag name' : `the end tag </${name}> is not closed with ">"`,
        at >= this.#length ? start : at,
      );
    }
    if (name !== current.type) {
      const column = current.offset - text.lastIndexOf('\n', current.offset - 1);
      throw this.#fail(
        `Expected closing tag '${current.type}' (opened in line ${current.line}, col ${column}) instead of closing ` +
          `tag '${name}'.`,
        start,
      );
    }
    this.#position = at + 1;
  }

  /**
   * Text from `start` to `end` inside `current`: its references checked, its line breaks normalised (each piece on
   * its own, as XML normalises them before it reads: "\r" then a comment then "\n" are two), added to the run.
   */
  #characters(current: OpenElement<Node>, start: number, end: number): void {
    let ampersand = this.#nextAmpersand;
    if (ampersand < start) ampersand = this.#find('&', start);
    while (ampersand < end) ampersand = this.#find('&', this.#reference(ampersand));
    this.#nextAmpersand = ampersand;
    let from = start;
    if (current.run === '') {
      // white space before a run's first character is trimmed away: none of it is kept
      while (from < end && isSpace(this.#text.charCodeAt(from))) from++;
      if (from === end) return;
    }
    let carriageReturn = this.#nextCarriageReturn;
    if (carriageReturn < from) carriageReturn = this.#find('\r', from);
    this.#nextCarriageReturn = carriageReturn;
    const characters = this.#text.slice(from, end);
    current.run += carriageReturn < end ? characters.replace(LINE_BREAKS, '\n') : characters;
  }

  /** Ends the run of text of `current`: trimmed, references decoded, added to its text. */
  #endRun(current: OpenElement<Node>): void {
    if (current.run === '') return;
    let run = current.run.trim();
    current.run = '';
    if (run.includes('&')) run = this.#decode(run).trim();
    current.text += run;
  }

  /**
   * Checks the reference at `&`: an entity the reader knows (`&amp;`, ...) or a character reference naming a character
   * XML allows (`&#65;`, `&#x41;`). Returns the index after its `;`.
   */
  #reference(start: number): number {
    const text = this.#text;
    let at = start + 1;
    if (text.charCodeAt(at) === HASH) {
      const hex = text.charCodeAt(at + 1) === LOWER_X;
      at += hex ? 2 : 1;
      const digits = at;
      let code = 0;
      for (let digit = digitValue(text.charCodeAt(at), hex); digit >= 0; digit = digitValue(text.charCodeAt(at), hex)) {
        code = Math.min(code * (hex ? 16 : 10) + digit, 0x110000);
        at++;
      }
      if (at === digits || text.charCodeAt(at) !== SEMICOLON)
        throw this.#fail('"&#" starts no character reference (write &#65; or &#x41;, or &amp; for "&")', start);
      if (!isXmlChar(code)) throw this.#fail(`${text.slice(start, at + 1)} names no character XML allows`, start);
      return at + 1;
    }
    for (let code = text.charCodeAt(at); code < 128 && ((ASCII_NAME[code] as number) & WORD_CHAR) !== 0; ) {
      code = text.charCodeAt(++at);
    }
    if (at === start + 1 || text.charCodeAt(at) !== SEMICOLON)
      throw this.#fail('"&" starts no entity reference (write &amp; for "&")', start);
    const name = text.slice(start + 1, at);
    if (PREDEFINED.has(name)) return at + 1;
    const value = this.#entities?.get(name);
    if (value === undefined)
      throw this.#fail(`unknown entity &${name}; (XML has &lt; &gt; &amp; &quot; &apos;; write &amp; for "&")`, start);
    this.#expansion += Math.max(0, value.length - name.length - 2);
    if (this.#expansion > MAX_EXPANSION)
      throw this.#fail(`the DOCTYPE's entities expand the text by more than ${MAX_EXPANSION} characters`, start);
    return at + 1;
  }

  /**
   * `value` with its entity references replaced (each checked, and what it adds counted, by
   * {@link XmlReader.#reference}); character references kept as written.
   */
  #decode(value: string): string {
    let decoded = '';
    let copied = 0;
    for (let at = value.indexOf('&'); at !== -1; at = value.indexOf('&', at + 1)) {
      const end = value.indexOf(';', at);
      if (value.charCodeAt(at + 1) === HASH) continue;
      const name = value.slice(at + 1, end);
      decoded += value.slice(copied, at) + (PREDEFINED.get(name) ?? this.#entities?.get(name) ?? '');
      copied = end + 1;
      at = end;
    }
    return copied === 0 ? value : decoded + value.slice(copied);
  }

  /** Reads the comment at `<!--`. */
  #comment(): void {
    const end = this.#text.indexOf('-->', this.#position + 4);
    if (end === -1) throw this.#fail('a comment ("<!--") is not closed with "-->"', this.#position);
    this.#position = end + 3;
  }

  /** Reads the CDATA section at `<![CDATA[` and returns its text, as written (line breaks normalised). */
  #cdata(): string {
    const start = this.#position + 9;
    const end = this.#text.indexOf(']]>', start);
    if (end === -1) throw this.#fail('a CDATA section ("<![CDATA[") is not closed with "]]>"', this.#position);
    this.#position = end + 3;
    const data = this.#text.slice(start, end);
    return data.includes('\r') ? data.replace(LINE_BREAKS, '\n') : data;
  }

  /** Reads the processing instruction at `<?`, skipped; the XML declaration is one, allowed at `declaration` only. */
  #instruction(declaration: number): void {
    const text = this.#text;
    const start = this.#position;
    const nameEnd = this.#nameEnd(start + 2);
    if (nameEnd === start + 2) throw this.#fail('"<?" starts no processing instruction name', start);
    const target = text.slice(start + 2, nameEnd);
    if (target.length === 3 && target.toLowerCase() === 'xml' && (start !== declaration || target !== 'xml'))
      throw this.#fail('an XML declaration ("<?xml") anywhere but at the start of the text', start);
    const end = text.indexOf('?>', nameEnd);
    if (end === -1) throw this.#fail(`<?${target} is not closed with "?>"`, start);
    if (end > nameEnd && !isSpace(text.charCodeAt(nameEnd)))
      throw this.#fail(`<?${target}: no white space after the name`, nameEnd);
    // a quote must close before "?>": the reader this one replaced looked for "?>" outside quotes
    for (let at = nameEnd; at < end; at++) {
      const code = text.charCodeAt(at);
      if (code !== DOUBLE_QUOTE && code !== SINGLE_QUOTE) continue;
      at = text.indexOf(text[at] as string, at + 1);
      if (at === -1 || at > end) throw this.#fail(`<?${target}: a quote not closed before "?>"`, start);
    }
    this.#position = end + 2;
  }

  /**
   * Reads the DOCTYPE at `<!DOCTYPE`: the root's name, an external identifier (not read), and an internal subset of
   * comments and entity declarations.
   */
  #doctype(): void {
    const text = this.#text;
    const start = this.#position;
    let at = start + 9;
    if (!isSpace(text.charCodeAt(at))) throw this.#fail('<!DOCTYPE: no white space before the name', at);
    while (isSpace(text.charCodeAt(at))) at++;
    const nameEnd = this.#nameEnd(at);
    if (nameEnd === at) throw this.#fail('<!DOCTYPE: no name of the top-level element', at);
    at = nameEnd;
    const spaced = isSpace(text.charCodeAt(at));
    while (isSpace(text.charCodeAt(at))) at++;
    const external = text.startsWith('SYSTEM', at) ? 1 : text.startsWith('PUBLIC', at) ? 2 : 0;
    if (external > 0) {
      if (!spaced) throw this.#fail('<!DOCTYPE: no white space before the external identifier', at);
      at += 6;
      for (let literal = 0; literal < external; literal++) {
        if (!isSpace(text.charCodeAt(at))) throw this.#fail('<!DOCTYPE: no white space before a literal', at);
        while (isSpace(text.charCodeAt(at))) at++;
        at = this.#literal(at);
      }
      while (isSpace(text.charCodeAt(at))) at++;
    }
    if (text.charCodeAt(at) === OPEN_BRACKET) {
      at = this.#internalSubset(at + 1);
      while (isSpace(text.charCodeAt(at))) at++;
    }
    if (at >= this.#length) throw this.#fail('<!DOCTYPE is not closed with ">"', start);
    if (text.charCodeAt(at) !== GREATER)
      throw this.#fail('<!DOCTYPE: what is neither an external identifier, "[" nor ">"', at);
    this.#position = at + 1;
  }

  /** The index after the quoted literal at `start` in a DOCTYPE (no `<` or `>` in it). */
  #literal(start: number): number {
    const text = this.#text;
    const quote = text.charCodeAt(start);
    if (quote !== DOUBLE_QUOTE && quote !== SINGLE_QUOTE) throw this.#fail('<!DOCTYPE: a literal is not quoted', start);
    const end = text.indexOf(text[start] as string, start + 1);
    if (end === -1) throw this.#fail('<!DOCTYPE: a literal is not closed', start);
    const literal = text.slice(start + 1, end);
    if (literal.includes('<') || literal.includes('>')) throw this.#fail('<!DOCTYPE: "<" or ">" in a literal', start);
    return end + 1;
  }

  /** Reads the internal subset from after its `[`; returns the index after its `]`. */
  #internalSubset(start: number): number {
    const text = this.#text;
    let at = start;
    for (;;) {
      while (isSpace(text.charCodeAt(at))) at++;
      if (text.charCodeAt(at) === CLOSE_BRACKET) return at + 1;
      if (text.startsWith('<!ENTITY', at)) {
        at = this.#entityDeclaration(at);
      } else if (text.startsWith('<!--', at)) {
        const end = text.indexOf('-->', at + 4);
        if (end === -1) throw this.#fail('a comment ("<!--") in the DOCTYPE is not closed with "-->"', at);
        const comment = text.slice(at + 4, end);
        if (comment.includes('<') || comment.includes('>'))
          throw this.#fail('"<" or ">" in a comment inside the DOCTYPE', at);
        at = end + 3;
      } else if (at >= this.#length) {
        throw this.#fail('the DOCTYPE\'s "[" is not closed with "]"', start - 1);
      } else {
        throw this.#fail('a DOCTYPE may hold only comments and entity declarations (<!ENTITY name "text">)', at);
      }
    }
  }

  /** Reads the declaration at `<!ENTITY` (an internal entity of plain text); returns the index after its `>`. */
  #entityDeclaration(start: number): number {
    const text = this.#text;
    let at = start + 8;
    if (!isSpace(text.charCodeAt(at))) throw this.#fail('<!ENTITY: no white space before the name', at);
    while (isSpace(text.charCodeAt(at))) at++;
    if (text.charCodeAt(at) === PERCENT) throw this.#fail('parameter entities (<!ENTITY % ...>) are not read', at);
    const nameEnd = this.#nameEnd(at);
    const name = text.slice(at, nameEnd);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,19}$/.test(name))
      throw this.#fail('<!ENTITY: the name is not of letters, digits and "_" (20 at most)', at);
    at = nameEnd;
    if (!isSpace(text.charCodeAt(at))) throw this.#fail(`<!ENTITY ${name}: no white space before the value`, at);
    while (isSpace(text.charCodeAt(at))) at++;
    if (text.startsWith('SYSTEM', at) || text.startsWith('PUBLIC', at))
      throw this.#fail(`<!ENTITY ${name}: external entities are not read`, at);
    const quote = text.charCodeAt(at);
    if (quote !== DOUBLE_QUOTE && quote !== SINGLE_QUOTE)
      throw this.#fail(`<!ENTITY ${name}: the value is not quoted`, at);
    const end = text.indexOf(text[at] as string, at + 1);
    if (end === -1) throw this.#fail(`<!ENTITY ${name}: the value is not closed`, at);
    const value = text.slice(at + 1, end);
    if (ENTITY_VALUE_REFUSED.test(value))
      throw this.#fail(`<!ENTITY ${name}: a value may be plain text only, without < > & % : = ( " '`, at);
    if (value.length > MAX_ENTITY_VALUE)
      throw this.#fail(`<!ENTITY ${name}: a value longer than ${MAX_ENTITY_VALUE} characters`, at);
    at = end + 1;
    while (isSpace(text.charCodeAt(at))) at++;
    if (text.charCodeAt(at) !== GREATER) throw this.#fail(`<!ENTITY ${name} is not closed with ">"`, start);
    this.#entities ??= new Map();
    if (PREDEFINED.has(name) || this.#entities.has(name))
      throw this.#fail(`<!ENTITY ${name}: declared before${PREDEFINED.has(name) ? ' (by XML)' : ''}`, start);
    if (this.#entities.size >= MAX_ENTITIES) throw this.#fail(`more than ${MAX_ENTITIES} entities declared`, start);
    this.#entities.set(name, value.includes('\r') ? value.replace(LINE_BREAKS, '\n') : value);
    return at + 1;
  }

  /** The index after the name at `start`, or `start` when none starts there. */
  #nameEnd(start: number): number {
    const text = this.#text;
    let code = text.charCodeAt(start);
    if (!(code < 128 ? ((ASCII_NAME[code] as number) & NAME_START) !== 0 : isNameStartBeyondAscii(code))) return start;
    let at = start + 1;
    for (;;) {
      code = text.charCodeAt(at);
      if (!(code < 128 ? ((ASCII_NAME[code] as number) & NAME_CHAR) !== 0 : isNameCharBeyondAscii(code))) return at;
      at++;
    }
  }

  /** The name at `start` for a message, or what is there. */
  #nameAt(start: number): string {
    const end = this.#nameEnd(start);
    return end > start ? this.#text.slice(start, end) : this.#text.slice(start, start + 1);
  }

  #skipSpace(): void {
    while (isSpace(this.#text.charCodeAt(this.#position))) this.#position++;
  }

  /** Where `search` is next from `from`, or the length of the text. */
  #find(search: string, from: number): number {
    const found = this.#text.indexOf(search, from);
    return found === -1 ? this.#length : found;
  }

  /** The line of `index`, for indexes that only grow: each line feed is counted once. */
  #lineOf(index: number): number {
    while (this.#nextLineFeed < index) {
      this.#line++;
      this.#nextLineFeed = this.#find('\n', this.#nextLineFeed + 1);
    }
    return this.#line;
  }

  /** The error about a `<!` at `at` that is no comment and, where they belong, no CDATA section or DOCTYPE. */
  #strayDeclaration(at: number): XmlError {
    const text = this.#text;
    if (text.startsWith('<!DOCTYPE', at))
      return this.#fail('a DOCTYPE inside an element: it belongs before the top-level element', at);
    if (text.startsWith('<![CDATA[', at))
      return this.#fail('a CDATA section outside the top-level element, where only comments may be', at);
    return this.#fail('"<!" starts neither a comment ("<!--"), a CDATA section ("<![CDATA[") nor a DOCTYPE', at);
  }

  /** An `XmlError` about the character at `index`, naming its line. */
  #fail(message: string, index: number): XmlError {
    let line = 1;
    for (let at = this.#text.indexOf('\n'); at !== -1 && at < index; at = this.#text.indexOf('\n', at + 1)) line++;
    return new XmlError(message, this.#origin, line);
  }
}
