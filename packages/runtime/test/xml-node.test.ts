import { XmlError, XmlNode } from '@os/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const text = `<?xml version="1.0"?>
<!-- a comment before -->
<config verbose="yes" size="16M" mask="0x1f">
  <start name="a" ram="1M">
    <config ticks="3"><x a="&quot;q&quot;"/></config>
  </start>
  <start name="b">te&amp;xt</start>
</config>`;

describe('XmlNode', () => {
  const node = XmlNode.parse(text, 'config');

  it('reads types, lines, attributes with Genode number and boolean forms, and text', () => {
    expect([node.type, node.line]).toEqual(['config', 3]);
    expect(node.attributeNames()).toEqual(['verbose', 'size', 'mask']);
    expect([
      node.booleanAttribute('verbose', false),
      node.numberAttribute('size', 0),
      node.numberAttribute('mask', 0),
    ]).toEqual([true, 16 * 1024 * 1024, 31]);
    expect([
      node.numberAttribute('absent', 7),
      node.booleanAttribute('absent', false),
      node.stringAttribute('absent', 'd'),
    ]).toEqual([7, false, 'd']);
    const starts = node.subNodes('start');
    expect(starts.map((start) => [start.attribute('name'), start.line, start.text])).toEqual([
      ['a', 4, ''],
      ['b', 7, 'te&xt'],
    ]);
    expect(node.subNodes().length).toBe(2);
    expect(node.hasSubNode('start')).toBe(true);
    expect(node.subNode('start').subNode('config').subNode('x').attribute('a')).toBe('"q"');
  });

  it('gives a node its source text as written: what init hands a child as its config', () => {
    expect(node.subNode('start').subNode('config').source).toBe('<config ticks="3"><x a="&quot;q&quot;"/></config>');
    expect(node.subNode('start').subNode('config').subNode('x').source).toBe('<x a="&quot;q&quot;"/>');
  });

  it('names origin, line and the fix for malformed text and wrong attribute values', () => {
    expect(() => XmlNode.parse('<a>\n<b></a>', 'f.xml')).toThrow(
      new XmlError("Expected closing tag 'b' (opened in line 2, col 1) instead of closing tag 'a'.", 'f.xml', 2),
    );
    expect(() => XmlNode.parse('<a/>\n<b/>', 'f.xml')).toThrow(
      new XmlError('expected exactly one top-level element, found a second: <b>', 'f.xml', 2),
    );
    expect(() => XmlNode.parse('', 'f.xml')).toThrow(
      new XmlError('expected exactly one top-level element, found none', 'f.xml', 1),
    );
    expect(() => XmlNode.parse('<a>\n<A/', 'f.xml')).toThrow(new XmlError('<A>: "/" not followed by ">"', 'f.xml', 2));
    expect(() => XmlNode.parse('<a>\n<b x="1" x="2"/></a>', 'f.xml')).toThrow(
      new XmlError('<b> has attribute x twice', 'f.xml', 2),
    );
    expect(() => XmlNode.parse('<a>\n\n<b ram/></a>', 'f.xml')).toThrow(
      new XmlError('<b>: attribute ram has no value (write ram="...")', 'f.xml', 3),
    );
    expect(() => XmlNode.parse('<a>\n<b>', 'f.xml')).toThrow(
      new XmlError('<b> is not closed: the text ends before its </b>', 'f.xml', 2),
    );
    expect(() => XmlNode.parse('<a/>\ntext', 'f.xml')).toThrow(
      new XmlError('text after the top-level element', 'f.xml', 2),
    );
    expect(() => node.subNode('start').numberAttribute('name', 0)).toThrow(
      'config:4: attribute name="a" is not a number',
    );
    expect(() => node.subNode('start').booleanAttribute('name', false)).toThrow(
      'config:4: attribute name="a" is not a boolean (write name="yes" or name="no")',
    );
    expect(() => node.subNode('missing')).toThrow('config:3: <config> has no <missing> sub-node');
  });

  it('throws nothing but XmlError for any input', () => {
    const pieces = fc.constantFrom(
      '<',
      '>',
      '/',
      '="',
      '"',
      ' ',
      'a',
      'config',
      '&amp;',
      '&',
      '<!--',
      '-->',
      '<?xml?>',
      '\n',
      'x="1"',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces, { maxLength: 30 }).map((parts) => parts.join('')),
        ),
        (input) => {
          try {
            XmlNode.parse(input, 'fuzz');
          } catch (error) {
            if (!(error instanceof XmlError)) throw error;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
