import type { FileNode, NodeStamp } from './file-node.js';
import { InlineFile } from './inline-file.js';
import { LogDevice } from './log-device.js';
import { NullDevice } from './null-device.js';
import { RamFs } from './ram-fs.js';
import { RomFile } from './rom-file.js';
import { RtcDevice } from './rtc-device.js';
import { StaticDir } from './static-dir.js';
import type { VfsBackends } from './vfs-backends.js';
import type { VfsConfig, VfsEntryConfig } from './vfs-config.js';
import { ZeroDevice } from './zero-device.js';

/** The device number of the files the config made; each `<ram/>` gets the next ones. */
const CONFIG_DEV = 1;

/**
 * The tree of directories and files `config` describes, over `backends`: one {@link StaticDir}
 * per `<vfs>`/`<dir>`, one file node per file, one {@link RamFs} per `<ram/>`. `nextIno` numbers
 * every node; the config's files carry the time of this call.
 */
export function buildStaticTree(config: VfsConfig, backends: VfsBackends, nextIno: () => number): StaticDir {
  const timeMs = backends.now();
  let nextDev = CONFIG_DEV + 1;
  const stamp = (): NodeStamp => ({ ino: nextIno(), dev: CONFIG_DEV, timeMs });
  const build = (entries: readonly VfsEntryConfig[]): StaticDir => {
    const dir = new StaticDir(stamp());
    for (const entry of entries) {
      if (entry.type === 'ram') dir.ram = new RamFs(nextDev++, backends.ram, () => backends.now(), nextIno);
      else
        dir.entries.set(entry.name, entry.type === 'dir' ? build(entry.entries) : fileNode(entry, backends, stamp()));
    }
    return dir;
  };
  return build(config.entries);
}

function fileNode(
  entry: Exclude<VfsEntryConfig, { type: 'dir' | 'ram' }>,
  backends: VfsBackends,
  stamp: NodeStamp,
): FileNode {
  switch (entry.type) {
    case 'rom':
      return new RomFile(() => backends.rom(entry.label), stamp);
    case 'inline':
      return new InlineFile(entry.text, stamp);
    case 'log':
      return new LogDevice((text) => backends.log(text), stamp);
    case 'rtc':
      return new RtcDevice(() => backends.now(), stamp);
    case 'null':
      return new NullDevice(stamp);
    case 'zero':
      return new ZeroDevice(stamp);
  }
}
