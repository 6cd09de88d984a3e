import type { VfsConfig, VfsEntryConfig } from './vfs-config.js';

/**
 * The ROM session labels `config`'s `<rom>` nodes need (a node's `label`, else its name),
 * deduplicated, in config order: the sessions the libc shim opens before it builds the {@link Vfs}.
 */
export function vfsRomLabels(config: VfsConfig): string[] {
  const labels = new Set<string>();
  const visit = (entries: readonly VfsEntryConfig[]): void => {
    for (const entry of entries) {
      if (entry.type === 'rom') labels.add(entry.label);
      else if (entry.type === 'dir') visit(entry.entries);
    }
  };
  visit(config.entries);
  return [...labels];
}
