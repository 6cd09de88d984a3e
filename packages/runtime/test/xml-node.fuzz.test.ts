// Fuzzing XmlNode.parse, the reader of every config ROM: no input makes it throw anything but an
// XmlError (code ERR_OS_XML), and a document written from a tree reads back as that tree, with each
// node's offset, line and source pointing at its text. Deterministic: a fixed seed (OS_FUZZ_SEED
// overrides it, OS_FUZZ_SCALE multiplies the runs). Growth with input size is measured, not tested
// here: bench/parser-growth.mjs.
import { type XmlError, XmlNode, parseGenodeNumber } from '@os/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEdit, textEdits } from './text-edits.js';

const SEED = Number(process.env['OS_FUZZ_SEED'] ?? 20_251_124);
const SCALE = Number(process.env['OS_FUZZ_SCALE'] ?? 1);
const runs = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)) });

const XML = 'ERR_OS_XML';

/**
 * The node, or `XML` when the parse threw an XmlError; anything else is rethrown (fast-check then reports the input).
 */
function parse(text: string, origin = 'fuzz'): XmlNode | typeof XML {
  try {
    return XmlNode.parse(text, origin);
  } catch (error) {
    if (!(error instanceof Error) || (error as { code?: unknown }).code !== XML) throw error;
    const xmlError = error as XmlError;
    expect(xmlError.origin).toBe(origin);
    // every refusal names its line
    expect(Number.isInteger(xmlError.line) && xmlError.line >= 1).toBe(true);
    expect(xmlError.message.startsWith(`${origin}:${xmlError.line}: `)).toBe(true);
    return XML;
  }
}

/** What holds for every node of any parsed text: offset, line and source point at the node in `text`. */
function checkPlacement(node: XmlNode, text: string): void {
  expect(text.startsWith(`<${node.type}`, node.offset)).toBe(true);
  expect(text.slice(node.offset, node.offset + node.source.length)).toBe(node.source);
  expect(node.source.startsWith(`<${node.type}`)).toBe(true);
  expect(node.source.endsWith('>')).toBe(true);
  expect(node.line).toBe(text.slice(0, node.offset).split('\n').length);
  for (const child of node.subNodes()) {
    expect(child.offset).toBeGreaterThan(node.offset);
    expect(child.offset + child.source.length).toBeLessThanOrEqual(node.offset + node.source.length);
    checkPlacement(child, text);
  }
}

// ------------------------------------------------------------------ a model of the document

interface Element {
  readonly type: string;
  readonly attributes: readonly (readonly [string, string])[];
  readonly content: readonly Item[];
  /** Write `<a></a>` rather than `<a/>` when empty. */
  readonly open: boolean;
}
type Item =
  | { readonly kind: 'element'; readonly element: Element }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'cdata'; readonly text: string }
  | { readonly kind: 'comment'; readonly text: string };

/** The element's text as XmlNode reads it: its text pieces (trimmed, as written here already) and CDATA, in order. */
function expectedText(element: Element): string {
  return element.content.map((item) => (item.kind === 'text' || item.kind === 'cdata' ? item.text : '')).join('');
}

function childrenOf(element: Element): Element[] {
  return element.content.flatMap((item) => (item.kind === 'element' ? [item.element] : []));
}

/**
 * Genode's element names, the names JavaScript objects hold themselves (which a parser must not rename), and random
 * ones.
 */
const elementName = fc.oneof(
  fc.constantFrom(
    'config',
    'start',
    'route',
    'service',
    'parent',
    'child',
    'any-child',
    'default-route',
    'parent-provides',
    'resource',
    'binary',
    'provides',
    'vfs',
    'dir',
    'rom',
    'inline',
    'policy',
    'default-policy',
    'report',
    'heartbeat',
    'exit',
    'any-service',
  ),
  fc.constantFrom(
    'toString',
    'valueOf',
    'hasOwnProperty',
    '__defineGetter__',
    '__lookupSetter__',
    'isPrototypeOf',
    'then',
    'length',
  ),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.:-]{0,10}$/),
);
const attributeName = fc.oneof(
  fc.constantFrom(
    'name',
    'label',
    'label_prefix',
    'label_suffix',
    'caps',
    'ram',
    'version',
    'verbose',
    'quantum',
    'ld',
    'priority',
    'propagate',
  ),
  fc.constantFrom('toString', 'valueOf', 'hasOwnProperty', '__defineSetter__', 'propertyIsEnumerable'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.:-]{0,10}$/),
);
/**
 * Characters of values: markup characters, whitespace, quotes, non-ASCII and astral characters (no CR: XML turns it
 * into LF).
 */
const valueCharacter = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'a',
      'Z',
      '0',
      '9',
      ' ',
      '-',
      '>',
      '<',
      '&',
      '"',
      "'",
      '=',
      '/',
      ';',
      '#',
      '\t',
      '\n',
      'ä',
      '€',
      '😀',
      '\u00a0',
      ']',
      '?',
      '!',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((char) => char !== '\r') },
);
/** Any value: attribute values are read as written, white space and all. */
const anyValue = fc.string({ unit: valueCharacter, maxLength: 24 });
/** A value with no white space at either end: XmlNode trims each run of text. */
const trimmedValue = anyValue.filter((value) => value === value.trim());

const element: fc.Arbitrary<Element> = fc.letrec<{ element: Element; item: Item }>((tie) => ({
  element: fc.record({
    type: elementName,
    attributes: fc.uniqueArray(fc.tuple(attributeName, anyValue), { maxLength: 5, selector: ([name]) => name }),
    content: fc.array(tie('item'), { maxLength: 5, depthIdentifier: 'xml' }),
    open: fc.boolean(),
  }),
  item: fc.oneof(
    { depthSize: 'small', depthIdentifier: 'xml', withCrossShrink: true },
    fc.record({ kind: fc.constant('text' as const), text: trimmedValue.filter((text) => text.length > 0) }),
    fc.record({
      kind: fc.constant('cdata' as const),
      text: fc.string({ unit: valueCharacter, maxLength: 12 }).filter((text) => !text.includes(']]>')),
    }),
    fc.record({
      kind: fc.constant('comment' as const),
      text: fc
        .string({ unit: valueCharacter, maxLength: 12 })
        .filter((text) => !text.includes('--') && !text.endsWith('-')),
    }),
    fc.record({ kind: fc.constant('element' as const), element: tie('element') }),
  ),
})).element;

/** How a document is laid out: none of it may change what is read. */
interface Layout {
  readonly newline: '\n' | '\r\n';
  readonly space: readonly string[];
  readonly quote: '"' | "'";
  readonly aroundEquals: boolean;
  readonly bom: boolean;
  readonly declaration: boolean;
  readonly doctype: boolean;
  readonly leadingComment: boolean;
}
const layout: fc.Arbitrary<Layout> = fc.record({
  newline: fc.constantFrom('\n' as const, '\r\n' as const),
  space: fc.array(fc.constantFrom(' ', '  ', '\t', 'NL', 'NL  '), { minLength: 1, maxLength: 4 }),
  quote: fc.constantFrom('"' as const, "'" as const),
  aroundEquals: fc.boolean(),
  bom: fc.boolean(),
  declaration: fc.boolean(),
  doctype: fc.boolean(),
  leadingComment: fc.boolean(),
});

/** Where the writer put each element: its `<` and the end of its text. */
interface Placed {
  readonly element: Element;
  readonly start: number;
  readonly end: number;
  readonly children: readonly Placed[];
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(value: string, quote: string): string {
  const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return quote === '"' ? escaped.replace(/"/g, '&quot;') : escaped.replace(/'/g, '&apos;');
}

/** Writes the document of `root` as `layout` says, recording where each element went. */
function write(root: Element, form: Layout): { text: string; placed: Placed } {
  let text = '';
  let spaceIndex = 0;
  const space = (): string => {
    const piece = form.space[spaceIndex++ % form.space.length] as string;
    return piece.replace('NL', form.newline);
  };
  const writeElement = (node: Element): Placed => {
    const start = text.length;
    text += `<${node.type}`;
    for (const [name, value] of node.attributes) {
      const equals = form.aroundEquals ? ' = ' : '=';
      text += `${space()}${name}${equals}${form.quote}${escapeAttribute(value, form.quote)}${form.quote}`;
    }
    const children: Placed[] = [];
    if (node.content.length === 0 && !node.open) {
      text += '/>';
    } else {
      text += '>';
      for (const item of node.content) {
        if (item.kind === 'text') text += escapeText(item.text);
        else if (item.kind === 'cdata') text += `<![CDATA[${item.text}]]>`;
        else if (item.kind === 'comment') text += `<!--${item.text}-->`;
        // whitespace only right around elements, where it is trimmed from the text next to it
        else {
          text += space();
          children.push(writeElement(item.element));
        }
        if (item.kind === 'element') text += space();
      }
      text += `</${node.type}>`;
    }
    return { element: node, start, end: text.length, children };
  };
  if (form.bom) text += '\ufeff';
  if (form.declaration) text += `<?xml version="1.0" encoding="UTF-8"?>${form.newline}`;
  if (form.doctype) text += `<!DOCTYPE ${root.type}>${form.newline}`;
  if (form.leadingComment) text += `<!-- written by the fuzz test -->${form.newline}`;
  const placed = writeElement(root);
  text += `${form.newline}<!-- the end -->${form.newline}`;
  return { text, placed };
}

/** The node reads as the model: type, attributes in order, text, children; and sits where it was written. */
function checkTree(node: XmlNode, placed: Placed, text: string): void {
  const model = placed.element;
  expect(node.type).toBe(model.type);
  expect(node.attributeNames()).toEqual(model.attributes.map(([name]) => name));
  for (const [name, value] of model.attributes) {
    expect(node.hasAttribute(name)).toBe(true);
    expect(node.attribute(name)).toBe(value);
    expect(node.stringAttribute(name, '')).toBe(value);
  }
  expect(node.text).toBe(expectedText(model));
  expect(node.offset).toBe(placed.start);
  expect(node.source).toBe(text.slice(placed.start, placed.end));
  expect(node.line).toBe(text.slice(0, placed.start).split('\n').length);
  const children = node.subNodes();
  expect(children.map((child) => child.type)).toEqual(childrenOf(model).map((child) => child.type));
  children.forEach((child, index) => {
    checkTree(child, placed.children[index] as Placed, text);
  });
}

/** Removes offsets: the tree of a node's source read on its own. */
function shape(node: XmlNode): unknown {
  return {
    type: node.type,
    attributes: node.attributeNames().map((name) => [name, node.attribute(name)]),
    text: node.text,
    children: node.subNodes().map(shape),
  };
}

// ------------------------------------------------------------------ the properties

describe('XmlNode.parse, fuzzed', () => {
  it('throws nothing but XmlError for arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme-ascii', maxLength: 200 })),
        (text) => {
          const node = parse(text);
          if (node !== XML) checkPlacement(node, text);
        },
      ),
      runs(400),
    );
  });

  const piece = fc.constantFrom(
    '<',
    '>',
    '/',
    '/>',
    '</',
    '="',
    '"',
    "'",
    '=',
    ' ',
    '\t',
    '\n',
    '\r\n',
    '\r',
    '\0',
    '\ufeff',
    'a',
    'config',
    'x="1"',
    "y='2'",
    '&',
    '&amp;',
    '&lt;',
    '&#0;',
    '&#65;',
    '&#xD800;',
    '&unknown;',
    '&e;',
    ';',
    '<!--',
    '-->',
    '--',
    '<![CDATA[',
    ']]>',
    '<?',
    '?>',
    '<?xml version="1.0"?>',
    '<!DOCTYPE a [<!ENTITY e "x">]>',
    '<!DOCTYPE',
    '<!ENTITY',
    '[',
    ']',
    '<a>',
    '</a>',
    '<a/>',
    '<b x="1">',
    '</b>',
    '!',
    '<!',
    '<![',
    '<!x>',
    '<![x]]>',
    '<!-x-->',
    'constructor',
    '__proto__',
    'prototype',
    'toString',
    'hasOwnProperty',
    '#text',
    ':@',
    ':',
    '?xml',
  );

  it('throws nothing but XmlError for text made of XML pieces', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        const node = parse(text);
        if (node !== XML) checkPlacement(node, text);
      }),
      runs(1500),
    );
  });

  it('reads a document written from a tree as that tree, each node at its place', () => {
    fc.assert(
      fc.property(element, layout, (root, form) => {
        const { text, placed } = write(root, form);
        const node = XmlNode.parse(text, 'written');
        checkTree(node, placed, text);
        // a node's source (what init hands a child as its config) reads on its own as the same subtree
        const visit = (current: XmlNode): void => {
          expect(shape(XmlNode.parse(current.source, 'source'))).toEqual(shape(current));
          current.subNodes().forEach(visit);
        };
        visit(node);
      }),
      runs(300),
    );
  });

  const edit = textEdits(piece, 40);

  it('throws nothing but XmlError for a well-formed document with edits', () => {
    fc.assert(
      fc.property(element, layout, fc.array(edit, { minLength: 1, maxLength: 4 }), (root, form, edits) => {
        const text = edits.reduce(applyEdit, write(root, form).text);
        const node = parse(text);
        if (node === XML) return;
        checkPlacement(node, text);
        // a part may not read on its own (an entity the DOCTYPE declared), but only as an XmlError
        const visit = (current: XmlNode): void => {
          parse(current.source);
          current.subNodes().forEach(visit);
        };
        visit(node);
      }),
      runs(700),
    );
  });

  it('reads __proto__, constructor and prototype as names like any other, and touches no prototype', () => {
    const reserved = fc.constantFrom('__proto__', 'constructor', 'prototype');
    fc.assert(
      fc.property(element, layout, reserved, fc.boolean(), (root, form, name, asAttribute) => {
        const poisoned: Element = asAttribute
          ? { ...root, attributes: [...root.attributes.filter(([other]) => other !== name), [name, 'x']] }
          : {
              ...root,
              content: [
                ...root.content,
                { kind: 'element', element: { type: name, attributes: [], content: [], open: false } },
              ],
            };
        const { text, placed } = write(poisoned, form);
        const node = XmlNode.parse(text, 'written');
        checkTree(node, placed, text);
        if (asAttribute) expect(node.attribute(name)).toBe('x');
        else expect(node.subNodes().at(-1)?.type).toBe(name);
        expect(Object.prototype).not.toHaveProperty('x');
        expect(({} as Record<string, unknown>)['x']).toBeUndefined();
      }),
      runs(100),
    );
  });

  it('refuses a "<!" that starts no comment, CDATA or DOCTYPE (fast-xml-parser read it as an element or CDATA)', () => {
    for (const text of [
      '<a><!x></a>',
      '<a><!x/></a>',
      '<a><!></a>',
      '<a><![x]]></a>',
      '<a><!-x--></a>',
      '<dir><!]]>--aa--></dir>\n<!-- end -->',
    ]) {
      expect(() => XmlNode.parse(text, 'f.xml')).toThrow(
        expect.objectContaining({
          code: XML,
          line: 1,
          message: expect.stringMatching(/^f\.xml:1: "<!" starts neither/),
        }),
      );
    }
    // where "<!" is no markup it is fine
    const node = XmlNode.parse('<a x="&lt;!x>"><!-- <!x> --><![CDATA[<!x>]]><?pi <!x>?></a>');
    expect([node.attribute('x'), node.text]).toEqual(['<!x>', '<!x>']);
  });

  it('keeps attribute values as written, white space and all, and trims text a run at a time', () => {
    const node = XmlNode.parse('<rom name=" a " label="\tx\n"> t <!-- c --> u <b/> v <![CDATA[ w ]]></rom>');
    expect([node.attribute('name'), node.attribute('label')]).toEqual([' a ', '\tx\n']);
    expect(node.text).toBe('t  uv w ');
    expect(() => XmlNode.parse('<a ram=" 1M"/>').numberAttribute('ram', 0)).toThrow(
      expect.objectContaining({ code: XML }),
    );
  });

  it('keeps elements and attributes named like Object methods as written', () => {
    const node = XmlNode.parse(
      '<config toString="1" valueOf="2" hasOwnProperty="3"><hasOwnProperty/><toString ' +
        'a="b"/><__lookupGetter__/></config>',
    );
    expect(node.attributeNames()).toEqual(['toString', 'valueOf', 'hasOwnProperty']);
    expect([node.attribute('toString'), node.attribute('valueOf'), node.attribute('hasOwnProperty')]).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(node.subNodes().map((child) => child.type)).toEqual(['hasOwnProperty', 'toString', '__lookupGetter__']);
    expect(node.subNode('toString').attribute('a')).toBe('b');
  });

  it('reads nesting up to its limit and refuses deeper nesting with an XmlError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.constantFrom('config', 'dir', 'toString'), (depth, type) => {
        const text = `${`<${type}>`.repeat(depth)}${`</${type}>`.repeat(depth)}`;
        const node = parse(text);
        if (node === XML) {
          expect(depth).toBeGreaterThan(100);
          return;
        }
        let reached = 1;
        for (let current = node; current.hasSubNode(type); current = current.subNode(type)) reached++;
        expect(reached).toBe(depth);
      }),
      runs(60),
    );
  });

  it("reads attributes as numbers and booleans, or throws the node's XmlError", () => {
    const suffix = fc.constantFrom<[string, number]>(['', 1], ['K', 1024], ['M', 1024 ** 2], ['G', 1024 ** 3]);
    const numberText = fc.oneof(
      fc.tuple(fc.nat({ max: 2 ** 40 }), suffix, fc.boolean()).map(([value, [letter, scale], hex]) => ({
        text: `${hex ? `0x${value.toString(16)}` : value}${letter}`,
        value: Number.isSafeInteger(value * scale) ? value * scale : undefined,
      })),
      fc.string({ unit: valueCharacter, maxLength: 12 }).map((text) => ({ text, value: parseGenodeNumber(text) })),
    );
    const words = new Map([
      ['yes', true],
      ['true', true],
      ['on', true],
      ['1', true],
      ['no', false],
      ['false', false],
      ['off', false],
      ['0', false],
    ]);
    // the names an object literal holds without being given them: a lookup in one must not find them
    const word = fc.oneof(
      fc.constantFrom(
        ...words.keys(),
        'constructor',
        'toString',
        '__proto__',
        'valueOf',
        'hasOwnProperty',
        'Yes',
        '',
        ' yes',
      ),
      anyValue,
    );
    fc.assert(
      fc.property(numberText, word, ({ text, value }, flagText) => {
        const node = XmlNode.parse(
          `<config n="${escapeAttribute(text, '"')}" b="${escapeAttribute(flagText, '"')}"/>`,
          'attributes',
        );
        if (value === undefined) {
          expect(() => node.numberAttribute('n', 0)).toThrow(expect.objectContaining({ code: XML, line: 1 }));
        } else {
          expect(node.numberAttribute('n', 0)).toBe(value);
        }
        const flag = words.get(flagText);
        if (flag === undefined) {
          expect(() => node.booleanAttribute('b', false)).toThrow(expect.objectContaining({ code: XML, line: 1 }));
        } else {
          expect(node.booleanAttribute('b', !flag)).toBe(flag);
        }
        expect(node.numberAttribute('absent', 7)).toBe(7);
        expect(node.booleanAttribute('absent', true)).toBe(true);
        expect(() => node.subNode('missing')).toThrow(expect.objectContaining({ code: XML }));
      }),
      runs(400),
    );
  });

  it('parseGenodeNumber never throws, and reads back what it is given', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const value = parseGenodeNumber(text);
        if (value !== undefined) expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
      }),
      runs(500),
    );
    fc.assert(
      fc.property(fc.maxSafeNat(), (value) => {
        expect(parseGenodeNumber(String(value))).toBe(value);
        expect(parseGenodeNumber(`0x${value.toString(16)}`)).toBe(value);
        expect(parseGenodeNumber(`${value}K`)).toBe(Number.isSafeInteger(value * 1024) ? value * 1024 : undefined);
      }),
      runs(300),
    );
  });
});
