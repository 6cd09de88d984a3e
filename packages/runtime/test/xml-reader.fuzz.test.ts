// XmlNode.parse against the reader it replaced (fast-xml-parser and the passes around it, test/xml-reference.ts):
// for documents, pieces of XML and edited documents, both read the same tree (types, lines, offsets, sources,
// attributes, text) or both refuse; where the new reader is stricter, its error is one of the refusals listed in
// STRICTER, each with its reason, and where it reads what the old refused, the reason is in LENIENT. Deterministic:
// a fixed seed (OS_FUZZ_SEED overrides it, OS_FUZZ_SCALE multiplies the runs).
import { XmlNode } from '@os/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEdit, textEdits } from './text-edits.js';
import { type ReferenceResult, type ReferenceTree, referenceRead } from './xml-reference.js';

const SEED = Number(process.env['OS_FUZZ_SEED'] ?? 20_260_611);
const SCALE = Number(process.env['OS_FUZZ_SCALE'] ?? 1);
const runs = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)) });

const ORIGIN = 'diff';

/**
 * What the new reader does differently, each with why and examples. `message` is its error without origin and line.
 */
interface Difference {
  readonly why: string;
  readonly examples: readonly string[];
  readonly applies: (text: string, message: string) => boolean;
}

/** White space to JavaScript's `trim` and `\s`, not to XML. */
const JAVASCRIPT_SPACE = /[\v\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** Texts the reference read and the new reader refuses. */
const STRICTER: readonly Difference[] = [
  {
    why: 'XML allows no "<" in an attribute value (the reference read it as written)',
    examples: ['<a x="<"/>', '<a x="<b/>"/>'],
    applies: (_, message) => message.includes('"<" in the value of attribute'),
  },
  {
    why:
      'an "&" starts a known entity reference or a character reference naming an XML character, in attribute values ' +
      'too (the reference kept an unknown one, an "&" in an attribute, "&#;" as written, and dropped "&#0;")',
    examples: ['<a x="&"/>', '<a x="a & b"/>', '<a>&unknown;</a>', '<a x="&nbsp;"/>', '<a>&#;</a>', '<a>&#0;</a>'],
    applies: (_, message) =>
      /starts no (entity|character) reference|^unknown entity|names no character XML allows/.test(message),
  },
  {
    why:
      "a DOCTYPE is read by XML's grammar, before the top-level element only, declaring entities of plain text only " +
      '(the reference skipped what it did not understand, and dropped entities it took for attacks)',
    examples: [
      '<!DOCTYPE a [<!ENTITY e "a:b">]><a/>',
      '<!DOCTYPE a [ junk ]><a/>',
      '<!DOCTYPE a [<!ELEMENT a ANY>]><a/>',
      '<!DOCTYPE a [<!ENTITY e "x" junk>]><a/>',
      '<!DOCTYPE a [<!--->]><a/>',
      '<a><!DOCTYPE a></a>',
    ],
    applies: (text, message) => text.includes('<!DOCTYPE') && /DOCTYPE|<!ENTITY|entities/.test(message),
  },
  {
    why: 'elements nest 100 deep at most (the reference allowed 101, and an empty element at 102)',
    examples: [`${'<a>'.repeat(101)}${'</a>'.repeat(101)}`, `${'<a>'.repeat(101)}<b/>${'</a>'.repeat(101)}`],
    applies: (_, message) => message.startsWith('elements nested deeper than 100'),
  },
  {
    why:
      'a processing instruction has a target name, white space after it, quotes closed before "?>", and is no ' +
      '<?xml ...?> but at the start (the reference took "<?XML" and "<?xml\t" for other targets)',
    examples: ['<a><?pi a="?>"?></a>', '<a><?pi"x"?></a>', '<?XML?><a/>', '<a/><?xml\tversion="1.0"?>'],
    applies: (_, message) =>
      /^<\?.*(: no white space after the name|: a quote not closed)|^"<\?" starts no|^an XML declaration/.test(message),
  },
  {
    why: "an end tag holds its name and XML's white space (the reference trimmed JavaScript's, U+00A0, U+FEFF, ...)",
    examples: ['<a></a\u00a0>', '<a></a\u3000>'],
    applies: (text, message) => /^the end tag <\/.*> is not closed with/.test(message) && JAVASCRIPT_SPACE.test(text),
  },
  {
    why:
      'a name holds no U+FEFF or U+1680: XML allows them, but they are white space to JavaScript, where the ' +
      'reference cut names (<\uFEFFa> was an element named "")',
    examples: ['<\ufeffa></a>', '<a\ufeff/>'],
    applies: (text, message) =>
      /[\u1680\ufeff]/.test(text.slice(1)) &&
      [
        /starts no (element|end tag) name/,
        /where an attribute name/,
        /^Expected closing tag/,
        /is not closed with/,
        /has no value/,
      ].some((pattern) => pattern.test(message)),
  },
  {
    why: 'a start tag holds attributes and nothing else (the reference skipped a stray "=")',
    examples: ['<a = x="1"/>', '<a x="1" =/>'],
    applies: (_, message) => message.includes('"=" where an attribute name'),
  },
];

/** Texts the reference refused and the new reader reads. */
const LENIENT: readonly Difference[] = [
  {
    why: '__proto__, constructor and prototype are names like any other: the reader keeps attributes in a Map',
    examples: ['<__proto__/>', '<a constructor="1"/>', '<a><prototype/></a>', '<a __proto__="x"/>'],
    applies: (text, message) => message.includes('[SECURITY]') && /__proto__|constructor|prototype/.test(text),
  },
];

function tree(node: XmlNode): ReferenceTree {
  return {
    type: node.type,
    line: node.line,
    offset: node.offset,
    source: node.source,
    attributes: node.attributeNames().map((name) => [name, node.attribute(name) as string]),
    text: node.text,
    children: node.subNodes().map(tree),
  };
}

/** The new reader's tree, or its error's message without origin and line. */
function read(text: string): { readonly tree: ReferenceTree } | { readonly error: string; readonly line: number } {
  try {
    return { tree: tree(XmlNode.parse(text, ORIGIN)) };
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_OS_XML') throw error;
    const { message, line } = error as { message: string; line: number };
    expect(line).toBeGreaterThan(0);
    expect(message.startsWith(`${ORIGIN}:${line}: `)).toBe(true);
    return { error: message.slice(`${ORIGIN}:${line}: `.length), line };
  }
}

/** Reads `text` with both readers: the same tree, both refuse, or a difference listed for it. */
function compare(text: string): 'both read' | 'both refused' | 'differ' {
  const expected: ReferenceResult = referenceRead(text);
  const actual = read(text);
  if ('tree' in expected && 'tree' in actual) {
    expect(actual.tree).toEqual(expected.tree);
    return 'both read';
  }
  if ('error' in expected && 'error' in actual) return 'both refused';
  if ('error' in actual && !STRICTER.some((difference) => difference.applies(text, actual.error)))
    expect.fail(`refused what the reference read, for no listed reason: ${actual.error}\n${JSON.stringify(text)}`);
  if ('error' in expected && !LENIENT.some((difference) => difference.applies(text, expected.error)))
    expect.fail(`read what the reference refused (${expected.error}), for no listed reason\n${JSON.stringify(text)}`);
  return 'differ';
}

// ------------------------------------------------------------------ documents, mostly well-formed

const NEWLINE = fc.constantFrom('\n', '\r\n', '\r');
const space = fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', '\n\t\t');
const name = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('config', 'start', 'service', 'parent', 'route', 'a', 'b', 'x') },
  { weight: 1, arbitrary: fc.constantFrom('toString', 'valueOf', 'ns:tag', 'a.b-c', '_x', 'é', 'ñame', 'xml-ish') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.:-]{0,6}$/) },
);
/** Entities the DOCTYPE of some documents declares. */
const ENTITIES = ['e0', 'e1', 'long_entity_name'];
const reference = fc.constantFrom(
  '&lt;',
  '&gt;',
  '&amp;',
  '&quot;',
  '&apos;',
  '&#65;',
  '&#x41;',
  '&#x1F600;',
  '&#9;',
  ...ENTITIES.map((entity) => `&${entity};`),
);
const character = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '-', '>', '"', "'", '=', '/', ';', '#', ']', '?', '!') },
  { weight: 2, arbitrary: fc.constantFrom('\t', '\n', '\r\n', '\r', '\u00a0', 'ä', '€', '😀', '\ufeff') },
  { weight: 2, arbitrary: reference },
);
const textPiece = fc.string({ unit: character, maxLength: 10 });

interface Written {
  readonly text: string;
}
const attribute = fc
  .tuple(name, fc.constantFrom('"', "'"), textPiece, fc.constantFrom('=', ' = ', '\n=\t'))
  .map(([attributeName, quote, value, equals]) => {
    const escaped = value.replaceAll(quote, quote === '"' ? '&quot;' : '&apos;');
    return `${attributeName}${equals}${quote}${escaped}${quote}`;
  });

const element: fc.Arbitrary<Written> = fc.letrec<{ element: Written; item: string }>((tie) => ({
  element: fc
    .record({
      type: name,
      attributes: fc.array(attribute, { maxLength: 4 }),
      spaces: fc.array(space, { minLength: 5, maxLength: 5 }),
      content: fc.array(tie('item'), { maxLength: 5, depthIdentifier: 'xml' }),
      empty: fc.boolean(),
    })
    .map(({ type, attributes, spaces, content, empty }) => {
      const unique = [...new Map(attributes.map((written) => [written.split(/[\s=]/)[0], written])).values()];
      const start = `<${type}${unique.map((written, index) => `${spaces[index % 5]}${written}`).join('')}`;
      if (content.length === 0 && empty) return { text: `${start}${spaces[3] === ' ' ? ' ' : ''}/>` };
      return { text: `${start}${spaces[3] === ' ' ? ' ' : ''}>${content.join('')}</${type}${spaces[4]}>` };
    }),
  item: fc.oneof(
    { depthSize: 'small', depthIdentifier: 'xml' },
    textPiece,
    space,
    fc.string({ unit: character, maxLength: 8 }).map((text) => `<![CDATA[${text.replaceAll(']]>', '')}]]>`),
    fc.string({ unit: character, maxLength: 8 }).map((text) => `<!--${text.replaceAll('--', '- ')}-->`),
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('<?pi?>', '<?pi data?>', '<?target x y z?>', '<?pi a="1"?>') },
      { weight: 1, arbitrary: fc.constant('<?pi a="1" b="?>"?>') },
    ),
    tie('element').map((written) => written.text),
  ),
})).element;

/** Values of declared entities: plain text, and (rarely) what the reference dropped as an attack. */
const entityValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('v', 'plain text', ' spaced ', '', 'x'.repeat(200)) },
  { weight: 1, arbitrary: fc.constantFrom('a:b', 'c=d', 'http://x', 'on="1"', "it's", '<b/>', '&amp;', '%') },
);
/** A DOCTYPE declaring {@link ENTITIES}. */
const declaring = fc
  .tuple(entityValue, fc.constantFrom('', '<!-- declared -->', '\n'))
  .map(
    ([value, between]) =>
      `<!DOCTYPE config [${between}${ENTITIES.map((entity) => `<!ENTITY ${entity} "${value}">`).join('\n')}]>`,
  );
/** A DOCTYPE declaring none. */
const plain = fc.constantFrom(
  '',
  '<!DOCTYPE config>',
  '<!DOCTYPE a SYSTEM "a.dtd">',
  '<!DOCTYPE a PUBLIC "-//x//y" "a.dtd">',
  '<!DOCTYPE a [<!-- none -->]>',
);
const DECLARED_REFERENCE = new RegExp(`&(${ENTITIES.join('|')});`, 'g');

const document = fc
  .record({
    bom: fc.boolean(),
    declaration: fc.constantFrom('', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>'),
    doctype: fc.oneof(plain, declaring),
    before: fc.constantFrom('', '<!-- before -->', '<?pi before?>'),
    root: element,
    after: fc.constantFrom('', '<!-- after -->', '<?pi after?>', '\n<!-- a -->\n<?b?>\n'),
    newline: NEWLINE,
  })
  .map(({ bom, declaration, doctype, before, root, after, newline }) => {
    // where no entity is declared, none is referred to
    const body = doctype.includes('<!ENTITY') ? root.text : root.text.replace(DECLARED_REFERENCE, '&amp;');
    return `${bom ? '\ufeff' : ''}${declaration}${newline}${doctype}${newline}${before}${body}${after}${newline}`;
  });

// ------------------------------------------------------------------ edits and pieces

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
  '&#x;',
  '&#;',
  '&#xD800;',
  '&#X41;',
  '&unknown;',
  '&e0;',
  ';',
  '<!--',
  '-->',
  '--',
  '<![CDATA[',
  ']]>',
  '<?',
  '?>',
  '<?xml version="1.0"?>',
  '<?XML?>',
  '<!DOCTYPE a [<!ENTITY e0 "x">]>',
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
  '<!-x-->',
  '__proto__',
  'constructor',
  'toString',
  ':',
  'é',
);

const edit = textEdits(piece, 20);

// ------------------------------------------------------------------ the properties

describe('XmlNode.parse against the reader it replaced', () => {
  it('differs from it where listed, as each example shows', () => {
    for (const difference of STRICTER) {
      for (const example of difference.examples) {
        const expected = referenceRead(example);
        const actual = read(example);
        expect('tree' in expected, `the reference reads ${JSON.stringify(example)}`).toBe(true);
        expect('error' in actual && difference.applies(example, actual.error), difference.why).toBe(true);
      }
    }
    for (const difference of LENIENT) {
      for (const example of difference.examples) {
        const expected = referenceRead(example);
        expect('error' in expected && difference.applies(example, expected.error), difference.why).toBe(true);
        expect('tree' in read(example)).toBe(true);
      }
    }
  });

  it('reads documents as it did: the same trees', () => {
    let both = 0;
    fc.assert(
      fc.property(document, (text) => {
        if (compare(text) === 'both read') both++;
      }),
      runs(1500),
    );
    // most documents hold nothing either refuses: the trees were compared
    expect(both).toBeGreaterThan(runs(1500).numRuns * 0.6);
  });

  it('reads edited documents as it did, or refuses them for a listed reason', () => {
    fc.assert(
      fc.property(document, fc.array(edit, { minLength: 1, maxLength: 3 }), (text, edits) => {
        compare(edits.reduce(applyEdit, text));
      }),
      runs(3000),
    );
  });

  it('reads texts of XML pieces as it did, or refuses them for a listed reason', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        compare(pieces.join(''));
      }),
      runs(3000),
    );
  });

  it('reads arbitrary strings as it did', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (text) => {
        compare(text);
      }),
      runs(500),
    );
  });
});
