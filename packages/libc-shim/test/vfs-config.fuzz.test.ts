// Fuzzing the libc shim's <vfs> reader: no config makes XmlNode.parse and parseVfsConfig throw
// anything but their typed errors (ERR_OS_XML, ERR_OS_VFS_CONFIG); the reader accepts exactly the
// configs a model of its rules accepts, and reads them as the model says; a config written from what
// was read reads the same again. Deterministic: a fixed seed (OS_FUZZ_SEED overrides it,
// OS_FUZZ_SCALE multiplies the runs). Growth with input size: bench/parser-growth.mjs.
import { XmlNode } from '@os/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type VfsConfig, type VfsEntryConfig, parseVfsConfig, vfsRomLabels } from '../src/vfs/index.js';

const SEED = Number(process.env['OS_FUZZ_SEED'] ?? 20_251_124);
const SCALE = Number(process.env['OS_FUZZ_SCALE'] ?? 1);
const runs = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)) });

const XML = 'ERR_OS_XML';
const VFS = 'ERR_OS_VFS_CONFIG';

/**
 * The config, or the code of the typed error reading it threw; anything else is rethrown (fast-check reports the
 * input).
 */
function read(text: string, origin = 'fuzz'): VfsConfig | typeof XML | typeof VFS {
  try {
    return parseVfsConfig(XmlNode.parse(text, origin));
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (!(error instanceof Error) || (code !== XML && code !== VFS)) throw error;
    // both name the place: "origin:line: ..." or "origin: ..."
    expect(error.message).toMatch(new RegExp(`^${origin}(:\\d+)?: `));
    if (code === VFS) expect(error.name).toBe('VfsConfigError');
    return code;
  }
}

/** The entries without their lines. */
function withoutLines(entries: readonly VfsEntryConfig[]): unknown {
  return JSON.parse(JSON.stringify(entries, (key, value: unknown) => (key === 'line' ? undefined : value)));
}

// ------------------------------------------------------------------ a model of the <vfs> rules

interface Node {
  readonly type: string;
  readonly name: string | undefined;
  readonly label: string | undefined;
  readonly text: string;
  readonly children: readonly Node[];
}

const SUPPORTED = new Set(['dir', 'rom', 'inline', 'ram', 'log', 'rtc', 'null', 'zero']);
const DEVICES = new Set(['log', 'rtc', 'null', 'zero']);

/** What a node is named in its directory, by the rules: its name attribute, a device's type, `undefined` for none. */
function entryName(node: Node): string | undefined {
  return node.name ?? (DEVICES.has(node.type) ? node.type : undefined);
}

function goodName(name: string | undefined): name is string {
  return name !== undefined && name !== '' && name !== '.' && name !== '..' && !name.includes('/');
}

/** The entries the rules make of a directory's nodes, or `undefined` when they refuse them. */
function expected(nodes: readonly Node[]): unknown[] | undefined {
  const names = new Set<string>();
  let ram = false;
  const entries: unknown[] = [];
  for (const node of nodes) {
    if (!SUPPORTED.has(node.type)) return undefined;
    if (node.type === 'ram') {
      if (ram) return undefined;
      ram = true;
      entries.push({ type: 'ram' });
      continue;
    }
    const name = entryName(node);
    if (!goodName(name) || names.has(name)) return undefined;
    names.add(name);
    if (node.type === 'dir') {
      const inner = expected(node.children);
      if (inner === undefined) return undefined;
      entries.push({ type: 'dir', name, entries: inner });
    } else if (node.type === 'rom') {
      const label = node.label ?? name;
      if (label === '') return undefined;
      entries.push({ type: 'rom', name, label });
    } else if (node.type === 'inline') {
      // the node's text, trimmed as XmlNode reads text
      entries.push({ type: 'inline', name, text: node.text.trim() });
    } else {
      entries.push({ type: node.type, name });
    }
  }
  return entries;
}

const nodeType = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('dir', 'rom', 'inline', 'ram', 'log', 'rtc', 'null', 'zero') },
  { weight: 1, arbitrary: fc.constantFrom('fs', 'tar', 'import', 'toString', 'hasOwnProperty', 'Dir') },
);
const nameText = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'a',
      'b',
      'dev',
      'tmp',
      'log',
      'null',
      'data.txt',
      'toString',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'ä😀',
      'a b',
      '&<>"',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..', 'a/b', '/', '...', ' a') },
);
const inlineText = fc.string({
  unit: fc.constantFrom('a', ' ', '\n', '<', '&', '"', 'ä', '😀', '>', ']'),
  maxLength: 12,
});

const tree: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.record({
    type: nodeType,
    name: fc.option(nameText, { nil: undefined, freq: 4 }),
    label: fc.option(fc.oneof(nameText, fc.constant('')), { nil: undefined, freq: 2 }),
    text: inlineText,
    children: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'vfs' },
      fc.constant([]),
      fc.array(tie('node'), { maxLength: 5, depthIdentifier: 'vfs' }),
    ),
  }),
})).node;
const root = fc.array(tree, { maxLength: 6 });

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The nodes written as a <vfs> config, each element on a line of its own. */
function write(nodes: readonly Node[]): string {
  const element = (node: Node, indent: string): string => {
    const attributes =
      `${node.name === undefined ? '' : ` name="${escapeXml(node.name)}"`}` +
      `${node.type === 'rom' && node.label !== undefined ? ` label="${escapeXml(node.label)}"` : ''}`;
    if (node.type === 'inline') return `${indent}<inline${attributes}>${escapeXml(node.text)}</inline>`;
    if (node.type === 'dir' && node.children.length > 0)
      return (
        `${indent}<dir${attributes}` +
        `>\n${node.children.map((child) => element(child, `${indent}  `)).join('\n')}\n${indent}</dir>`
      );
    return `${indent}<${node.type}${attributes}/>`;
  };
  return nodes.length === 0 ? '<vfs/>' : `<vfs>\n${nodes.map((node) => element(node, '  ')).join('\n')}\n</vfs>`;
}

/** A config written back from what was read: reads as the same. */
function writeConfig(entries: readonly VfsEntryConfig[]): Node[] {
  return entries.map((entry): Node => {
    switch (entry.type) {
      case 'dir':
        return { type: 'dir', name: entry.name, label: undefined, text: '', children: writeConfig(entry.entries) };
      case 'rom':
        return { type: 'rom', name: entry.name, label: entry.label, text: '', children: [] };
      case 'inline':
        return { type: 'inline', name: entry.name, label: undefined, text: entry.text, children: [] };
      case 'ram':
        return { type: 'ram', name: undefined, label: undefined, text: '', children: [] };
      default:
        return { type: entry.type, name: entry.name, label: undefined, text: '', children: [] };
    }
  });
}

/** Every entry's line holds its element. */
function checkLines(entries: readonly VfsEntryConfig[], lines: readonly string[]): void {
  for (const entry of entries) {
    expect(lines[entry.line - 1]?.trimStart().startsWith(`<${entry.type}`)).toBe(true);
    if (entry.type === 'dir') checkLines(entry.entries, lines);
  }
}

// ------------------------------------------------------------------ the properties

describe('parseVfsConfig, fuzzed', () => {
  it('throws nothing but its typed errors for arbitrary text', () => {
    const piece = fc.constantFrom(
      '<vfs>',
      '</vfs>',
      '<vfs/>',
      '<dir name="d">',
      '</dir>',
      '<rom name="r"/>',
      '<rom name="r" label=""/>',
      '<inline name="i">',
      '</inline>',
      '<ram/>',
      '<log/>',
      '<null name="."/>',
      '<zero name="a/b"/>',
      '<fs/>',
      '<',
      '>',
      '/',
      '"',
      ' name=',
      '\n',
      'x',
      '&amp;',
      '<!--',
      '-->',
      '<!x>',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 120 }),
          fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join('')),
        ),
        (text) => {
          const config = read(text);
          if (typeof config === 'object') expect(Array.isArray(config.entries)).toBe(true);
        },
      ),
      runs(1000),
    );
  });

  it('accepts exactly what its rules accept, reading each entry as they say', () => {
    fc.assert(
      fc.property(root, (nodes) => {
        const text = write(nodes);
        const config = read(text, 'vfs.xml');
        const model = expected(nodes);
        if (model === undefined) {
          // only the rules refuse it: the XML itself is well-formed
          expect(config).toBe(VFS);
          return;
        }
        if (typeof config !== 'object') throw new Error(`refused a config its rules accept: ${text}`);
        expect(withoutLines(config.entries)).toEqual(model);
        expect([config.origin, config.line]).toEqual(['vfs.xml', 1]);
        checkLines(config.entries, text.split('\n'));
        // the labels to open are the <rom> labels, each once
        const labels = vfsRomLabels(config);
        expect(new Set(labels).size).toBe(labels.length);
      }),
      runs(700),
    );
  });

  it('reads a config written from what it read as the same config', () => {
    fc.assert(
      fc.property(root, (nodes) => {
        const config = read(write(nodes));
        if (typeof config !== 'object') return;
        const again = read(write(writeConfig(config.entries)));
        if (typeof again !== 'object') throw new Error('refused a config it wrote');
        expect(withoutLines(again.entries)).toEqual(withoutLines(config.entries));
      }),
      runs(400),
    );
  });

  it('throws nothing but its typed errors for a config with edits', () => {
    const edit = fc.record({
      at: fc.nat(),
      cut: fc.nat({ max: 6 }),
      insert: fc.constantFrom(
        '',
        '<',
        '/>',
        '</dir>',
        '<dir>',
        ' name=""',
        ' name="x"',
        '<ram/>',
        '"',
        '&',
        '<!x>',
        '\0',
      ),
    });
    fc.assert(
      fc.property(root, fc.array(edit, { minLength: 1, maxLength: 3 }), (nodes, edits) => {
        const text = edits.reduce((current, { at, cut, insert }) => {
          const place = at % (current.length + 1);
          return current.slice(0, place) + insert + current.slice(place + cut);
        }, write(nodes));
        read(text);
      }),
      runs(500),
    );
  });

  it('refuses a node other than <vfs>, whatever it is called', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z_][a-z0-9_-]{0,8}$/).filter((type) => type !== 'vfs'),
        (type) => {
          expect(read(`<${type}/>`)).toBe(VFS);
        },
      ),
      runs(100),
    );
  });
});
