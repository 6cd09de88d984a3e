/** A `<dir name>`: a directory of the VFS holding further file systems. */
export interface VfsDirConfig {
  /** The node type. */
  readonly type: 'dir';
  /** The directory's name in its parent. */
  readonly name: string;
  /** The node's line in the config, for messages. */
  readonly line: number;
  /** The file systems inside, in config order. */
  readonly entries: readonly VfsEntryConfig[];
}

/** A `<rom name label?>`: a read-only file showing a ROM module's current content. */
export interface VfsRomConfig {
  /** The node type. */
  readonly type: 'rom';
  /** The file's name in its directory. */
  readonly name: string;
  /** The ROM session label; the name when the node has no `label` attribute. */
  readonly label: string;
  /** The node's line in the config, for messages. */
  readonly line: number;
}

/** An `<inline name>text</inline>`: a read-only file holding the node's text. */
export interface VfsInlineConfig {
  /** The node type. */
  readonly type: 'inline';
  /** The file's name in its directory. */
  readonly name: string;
  /** The node's text, whitespace at both ends trimmed (as `XmlNode` reads it). */
  readonly text: string;
  /** The node's line in the config, for messages. */
  readonly line: number;
}

/** A `<ram/>`: a writable file system in RAM, mounted into the directory it stands in. */
export interface VfsRamConfig {
  /** The node type. */
  readonly type: 'ram';
  /** The node's line in the config, for messages. */
  readonly line: number;
}

/**
 * A `<log/>`, `<rtc/>`, `<null/>` or `<zero/>`: a character device named after its type unless the node says otherwise.
 */
export interface VfsDeviceConfig {
  /** The node type, which is the device's kind. */
  readonly type: 'log' | 'rtc' | 'null' | 'zero';
  /** The device's name in its directory: the `name` attribute, else the type. */
  readonly name: string;
  /** The node's line in the config, for messages. */
  readonly line: number;
}

/** One file system of a `<vfs>` or `<dir>` node. */
export type VfsEntryConfig = VfsDirConfig | VfsRomConfig | VfsInlineConfig | VfsRamConfig | VfsDeviceConfig;

/** A checked `<vfs>` node, the input of {@link Vfs}: plain data, made by {@link parseVfsConfig}. */
export interface VfsConfig {
  /** The file systems at the root, in config order. */
  readonly entries: readonly VfsEntryConfig[];
  /** Where the config came from, for messages. */
  readonly origin: string;
  /** The line of the `<vfs>` node. */
  readonly line: number;
}
