import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { VfsConfigError, parseVfsConfig, vfsRomLabels } from '../src/vfs/index.js';

/** The config of `xml`, parsed as the component's config ROM. */
const parse = (xml: string) => parseVfsConfig(XmlNode.parse(xml, 'config'));

describe('parseVfsConfig', () => {
  it('reads nested directories, files and devices with their default names', () => {
    const config = parse(`<vfs>
  <dir name="dev"><log/><rtc/><null/><zero name="nothing"/></dir>
  <rom name="data.txt" label="data"/>
  <inline name="motd">  hello  </inline>
  <dir name="tmp"><ram/></dir>
</vfs>`);
    expect(config).toEqual({
      origin: 'config',
      line: 1,
      entries: [
        {
          type: 'dir',
          name: 'dev',
          line: 2,
          entries: [
            { type: 'log', name: 'log', line: 2 },
            { type: 'rtc', name: 'rtc', line: 2 },
            { type: 'null', name: 'null', line: 2 },
            { type: 'zero', name: 'nothing', line: 2 },
          ],
        },
        { type: 'rom', name: 'data.txt', label: 'data', line: 3 },
        { type: 'inline', name: 'motd', text: 'hello', line: 4 },
        { type: 'dir', name: 'tmp', line: 5, entries: [{ type: 'ram', line: 5 }] },
      ],
    });
  });

  it('names the line and lists what is supported for an unknown file system', () => {
    const xml = '<vfs>\n<dir name="dev">\n</dir>\n<fs/>\n</vfs>';
    expect(() => parse(xml)).toThrow(VfsConfigError);
    expect(() => parse(xml)).toThrow(
      'config:4: <vfs>: <fs> is not supported: supported are dir, rom, inline, ram, log, rtc, null, zero',
    );
    expect(() => parse('<vfs>\n<dir name="a"><dir name="b">\n<tar name="x"/></dir></dir></vfs>')).toThrow(
      'config:3: <vfs> dir "/a/b": <tar> is not supported',
    );
  });

  it('carries origin, line and a stable code', () => {
    let caught: unknown;
    try {
      parse('<vfs>\n\n<rom/></vfs>');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(VfsConfigError);
    expect(caught).toMatchObject({ origin: 'config', line: 3, code: 'ERR_OS_VFS_CONFIG', name: 'VfsConfigError' });
    expect(VfsConfigError.code).toBe('ERR_OS_VFS_CONFIG');
  });

  it('refuses a missing name', () => {
    expect(() => parse('<vfs>\n<rom/></vfs>')).toThrow(
      'config:2: <vfs>: <rom> has no name attribute: write <rom name="..."/>',
    );
    expect(() => parse('<vfs><dir>\n</dir></vfs>')).toThrow('config:1: <vfs>: <dir> has no name attribute');
    expect(() => parse('<vfs>\n<inline>x</inline></vfs>')).toThrow('config:2: <vfs>: <inline> has no name attribute');
  });

  it('refuses names that are not one path component', () => {
    for (const name of ['a/b', '.', '..', '']) {
      expect(() => parse(`<vfs>\n\n<rom name="${name}"/></vfs>`)).toThrow(
        `config:3: <vfs>: <rom name="${name}"> is not a file name`,
      );
    }
    expect(() => parse('<vfs><dir name="d">\n<log name="x/y"/></dir></vfs>')).toThrow(
      'config:2: <vfs> dir "/d": <log name="x/y"> is not a file name',
    );
  });

  it('refuses two entries of one name in one directory, naming both lines', () => {
    expect(() => parse('<vfs>\n<rom name="a"/>\n<inline name="a">x</inline></vfs>')).toThrow(
      'config:3: <vfs>: two entries are named "a" (lines 2 and 3): rename or remove one',
    );
    expect(() => parse('<vfs><dir name="dev">\n<log/>\n<log/></dir></vfs>')).toThrow(
      'config:3: <vfs> dir "/dev": two entries are named "log"',
    );
    expect(() => parse('<vfs><dir name="x"/>\n<dir name="x"/></vfs>')).toThrow(
      'config:2: <vfs>: two entries are named "x" (lines 1 and 2)',
    );
    expect(() => parse('<vfs><dir name="a"><log/></dir><dir name="b"><log/></dir></vfs>')).not.toThrow();
  });

  it('refuses a second <ram/> in one directory, and a node that is not <vfs>', () => {
    expect(() => parse('<vfs><ram/>\n<ram/></vfs>')).toThrow(
      'config:2: <vfs>: a second <ram/> (the first is on line 1)',
    );
    expect(() => parse('<config/>')).toThrow('config:1: expected a <vfs> node, got <config>');
  });

  it('refuses an empty ROM label', () => {
    expect(() => parse('<vfs>\n<rom name="a" label=""/></vfs>')).toThrow(
      'config:2: <vfs>: <rom name="a"> has an empty label',
    );
  });
});

describe('vfsRomLabels', () => {
  it('lists the labels the <rom> nodes need, deduplicated, in config order', () => {
    const config = parse(
      '<vfs><rom name="b"/><dir name="d"><rom name="x" label="a"/><rom name="b"/></dir><rom name="c" ' +
        'label="a"/><inline name="i">t</inline></vfs>',
    );
    expect(vfsRomLabels(config)).toEqual(['b', 'a']);
    expect(vfsRomLabels(parse('<vfs/>'))).toEqual([]);
  });
});
