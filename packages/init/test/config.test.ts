import { InitConfigError, initConfig, parseInitConfigText, readInitConfig } from '@os/init';
import { describe, expect, it } from 'vitest';

const wrap = (body: string) => `<config>\n<parent-provides><service name="LOG"/></parent-provides>\n${body}\n</config>`;
const error = (text: string) => {
  try {
    readInitConfig(text, 'system.xml');
  } catch (caught) {
    expect(caught).toBeInstanceOf(InitConfigError);
    return (caught as Error).message;
  }
  return expect.fail('no error');
};

describe('reading init configs', () => {
  it('reads Genode XML and the typed value into the same model (lines aside)', () => {
    const xml = readInitConfig(
      wrap(`<default caps="50" ram="2M"/>
<default-route><any-service><parent/></any-service></default-route>
<start name="a" version="2"><binary name="app"/><provides><service name="X"/></provides><config n="1"/><exit \
propagate="yes"/><heartbeat restart_after_skipped="3"/></start>
<start name="b" caps="10" ram="64K"><route><service name="X" label="x"><child name="a" \
label="y"/></service></route></start>
<heartbeat rate_ms="500"/>
<resource name="RAM" preserve="1M"/>
<report requested="yes" child_ram="yes" delay_ms="100"/>`),
    );
    const typed = initConfig({
      parentProvides: ['LOG'],
      default: { caps: 50, ram: '2M' },
      defaultRoute: [{ service: '*', to: 'parent' }],
      children: [
        {
          name: 'a',
          version: '2',
          binary: 'app',
          provides: ['X'],
          config: '<config n="1"/>',
          exit: { propagate: true },
          heartbeat: { restartAfterSkipped: 3 },
        },
        { name: 'b', caps: 10, ram: '64K', routes: [{ service: 'X', label: 'x', to: { child: 'a', label: 'y' } }] },
      ],
      heartbeat: { rateMs: 500 },
      preserve: { ram: 1 << 20 },
      report: { requested: true, childRam: true, delayMs: 100 },
    });
    const withoutLines = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value, (key, item: unknown) => (key === 'line' ? undefined : item)));
    expect(withoutLines(xml)).toEqual(withoutLines(typed));
    expect(xml.children[1]).toMatchObject({
      name: 'b',
      binary: 'b',
      ram: 65536,
      caps: 10,
      routes: [{ service: 'X', match: { label: 'x' }, targets: [{ kind: 'child', name: 'a', label: 'y' }], line: 6 }],
    });
    expect(xml.children[0]?.config).toBe('<config n="1"/>');
  });

  it('names the line, the element and the fix for unknown elements, attributes and bad values', () => {
    expect(error(wrap('<strat name="a"/>'))).toBe(
      'system.xml:3: <strat>: unknown element inside <config>; did you mean <start>? (known: <parent-provides>, ' +
        '<default-route>, <default>, <start>, <service>, <report>, <heartbeat>, <resource>)',
    );
    expect(error(wrap('<start name="a" ram="1M" caps="5" cpas="3"/>'))).toBe(
      'system.xml:3: <start>: unknown attribute "cpas"; did you mean "caps"? (known: name, caps, ram, version, ' +
        'priority, ld)',
    );
    expect(error(wrap('<start name="a" ram="lots" caps="5"/>'))).toBe(
      'system.xml:3: <start>: attribute ram="lots" is not a number (write e.g. ram="42", ram="0x2a" or, for sizes, ' +
        'ram="16M")',
    );
    expect(error(wrap('<start ram="1M" caps="5"/>'))).toBe(
      'system.xml:3: <start>: attribute "name" is missing (write e.g. <start name="hello">)',
    );
    expect(error(wrap('<start name="a" caps="5"/>'))).toBe(
      'system.xml:3: <start name="a">: no RAM; give it some with ram="1M" (or <default ram="1M"/>)',
    );
    expect(error(wrap('<start name="a" ram="1M" caps="5"><exit propagate="maybe"/></start>'))).toBe(
      'system.xml:3: <exit>: attribute propagate="maybe" is not a boolean (write propagate="yes" or propagate="no")',
    );
    expect(error(wrap('<start name="a" ram="1M" caps="5"/>\n<start name="a" ram="1M" caps="5"/>'))).toBe(
      'system.xml:4: <start name="a">: a second child named "a"; names must be unique',
    );
    expect(error(wrap('<default-route><service name="X"><sibling/></service></default-route>'))).toBe(
      'system.xml:3: <sibling>: unknown route target (known: <parent/>, <child name="..."/>, <any-child/>)',
    );
  });

  it('checks routes against the children and <parent-provides> before anything starts', () => {
    expect(
      error(
        wrap(
          '<start name="a" ram="1M" caps="5">\n<route><service name="X"><child name="b"/></service></route></start>',
        ),
      ),
    ).toBe(
      'system.xml:4: <start name="a">: <service name="X">: routes to child "b", which is not in this config (known: a)',
    );
    expect(
      error(
        wrap(
          '<start name="b" ram="1M" caps="5"/><start name="a" ram="1M" caps="5">\n<route><service name="X"><child ' +
            'name="b"/></service></route></start>',
        ),
      ),
    ).toBe(
      'system.xml:4: <start name="a">: <service name="X">: routes to child "b", which does not provide "X" (add ' +
        '<provides><service name="X"/></provides> to its start entry)',
    );
    expect(error(wrap('<default-route>\n<service name="Timer"><parent/></service></default-route>'))).toBe(
      'system.xml:4: <default-route>: <service name="Timer">: routes to <parent/>, but <parent-provides> does not ' +
        'list "Timer" (add <service name="Timer"/> there)',
    );
  });

  it('reports malformed XML with its line, and typed values with their path', () => {
    expect(error('<config>\n<start name="a">\n</config>')).toBe(
      "system.xml:3: Expected closing tag 'start' (opened in line 2, col 1) instead of closing tag 'config'.",
    );
    expect(() =>
      initConfig({ children: [{ name: 'a', ram: 1, caps: 1, routes: [{ service: 'X', to: { sibling: 'b' } }] }] }),
    ).toThrow(
      'init config: children[0] ("a").routes[0].to[0]: must be "parent", "any-child", { child: name } (each ' +
        'optionally with label)',
    );
    expect(() => initConfig({ children: [{ name: 'a', ram: '1Q', caps: 1 }] })).toThrow(
      'init config: children[0] ("a").ram: must be a non-negative integer or a size such as "16M", got "1Q"',
    );
    expect(() => parseInitConfigText('{ children: [] }')).toThrow(
      /^init config: neither XML \(it does not start with "<"\) nor JSON/,
    );
  });
});
