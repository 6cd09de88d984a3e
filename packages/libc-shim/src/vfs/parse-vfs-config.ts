import type { XmlNode } from '@os/runtime';
import type { VfsConfig, VfsDeviceConfig, VfsEntryConfig } from './vfs-config.js';
import { VfsConfigError } from './vfs-config-error.js';

const SUPPORTED = ['dir', 'rom', 'inline', 'ram', 'log', 'rtc', 'null', 'zero'] as const;
const DEVICES: ReadonlySet<string> = new Set<VfsDeviceConfig['type']>(['log', 'rtc', 'null', 'zero']);

/**
 * Reads a `<vfs>` node into a {@link VfsConfig}. Pure: it opens nothing, so a config can be
 * checked before the component starts. Throws {@link VfsConfigError} naming the line and the node
 * for anything unsupported or malformed.
 */
export function parseVfsConfig(node: XmlNode): VfsConfig {
  if (node.type !== 'vfs')
    throw configError(
      node,
      `expected a <vfs> node, got <${node.type}>: pass the <vfs> sub-node of the component's config`,
    );
  return { entries: parseEntries(node, '/'), origin: node.origin, line: node.line };
}

function parseEntries(dir: XmlNode, path: string): VfsEntryConfig[] {
  const place = path === '/' ? '<vfs>' : `<vfs> dir "${path}"`;
  const lineOfName = new Map<string, number>();
  let ramLine: number | undefined;
  const entries: VfsEntryConfig[] = [];
  for (const child of dir.subNodes()) {
    const entry = parseEntry(child, path, place);
    if (entry.type === 'ram') {
      if (ramLine !== undefined)
        throw configError(
          child,
          `${place}: a second <ram/> (the first is on line ${ramLine}): one <ram/> per directory is supported`,
        );
      ramLine = child.line;
    } else {
      const first = lineOfName.get(entry.name);
      if (first !== undefined)
        throw configError(
          child,
          `${place}: two entries are named "${entry.name}" (lines ${first} and ${child.line}): rename or remove one`,
        );
      lineOfName.set(entry.name, child.line);
    }
    entries.push(entry);
  }
  return entries;
}

function parseEntry(node: XmlNode, path: string, place: string): VfsEntryConfig {
  const line = node.line;
  if (node.type === 'dir') {
    const name = entryName(node, place, undefined);
    return { type: 'dir', name, line, entries: parseEntries(node, `${path === '/' ? '' : path}/${name}`) };
  }
  if (node.type === 'rom') {
    const name = entryName(node, place, undefined);
    const label = node.attribute('label') ?? name;
    if (label === '')
      throw configError(
        node,
        `${place}: <rom name="${name}"> has an empty label: leave label out to use the name, or name the ROM module`,
      );
    return { type: 'rom', name, label, line };
  }
  if (node.type === 'inline') return { type: 'inline', name: entryName(node, place, undefined), text: node.text, line };
  if (node.type === 'ram') return { type: 'ram', line };
  if (DEVICES.has(node.type))
    return { type: node.type as VfsDeviceConfig['type'], name: entryName(node, place, node.type), line };
  throw configError(node, `${place}: <${node.type}> is not supported: supported are ${SUPPORTED.join(', ')}`);
}

function entryName(node: XmlNode, place: string, fallback: string | undefined): string {
  const name = node.attribute('name') ?? fallback;
  if (name === undefined)
    throw configError(node, `${place}: <${node.type}> has no name attribute: write <${node.type} name="..."/>`);
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    throw configError(
      node,
      `${place}: <${node.type} name="${name}"> is not a file name: a name is not empty, "." or ".." and holds no ` +
        `"/" (nest <dir> nodes for subdirectories)`,
    );
  }
  return name;
}

function configError(node: XmlNode, message: string): VfsConfigError {
  return new VfsConfigError(message, node.origin, node.line);
}
