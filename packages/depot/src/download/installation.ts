import type { XmlNode } from '@os/runtime';
import { type ArchivePath, BIN_ARCH, parseArchivePath } from '../archive-path.js';
import { ArchivePathError } from '../errors.js';

/** One `<archive path/>` of the `installation` ROM: a pkg to have in the local depot, or why its path is refused. */
export type WantedArchive =
  | { readonly path: string; readonly pkg: ArchivePath }
  | { readonly path: string; readonly refused: ArchivePathError };

/** The most `<archive>` nodes one installation may list. */
export const MAX_INSTALLATION_ARCHIVES = 1024;

/**
 * Reads Genode's `installation` ROM: `<installation arch="js"> <archive path="user/pkg/name/version"/> ...`. Each
 * path is a pkg; a malformed one (or another kind) comes back refused, to be reported as failed, and the rest goes
 * on. Throws an `ArchivePathError` for an installation that is wrong as a whole: another `arch`, too many archives.
 */
export function parseInstallation(node: XmlNode): WantedArchive[] {
  const where = `${node.origin}:${node.line}`;
  if (node.type !== 'installation')
    throw new ArchivePathError(`${where}: the ROM holds <${node.type}>, not <installation>`);
  const arch = node.stringAttribute('arch', BIN_ARCH);
  if (arch !== BIN_ARCH)
    throw new ArchivePathError(`${where}: <installation arch="${arch}">: this depot's architecture is "${BIN_ARCH}"`);
  const nodes = node.subNodes('archive');
  if (nodes.length > MAX_INSTALLATION_ARCHIVES)
    throw new ArchivePathError(
      `${where}: <installation> lists ${nodes.length} archives, more than ${MAX_INSTALLATION_ARCHIVES}`,
    );
  const wanted: WantedArchive[] = [];
  const seen = new Set<string>();
  for (const archive of nodes) {
    const path = archive.stringAttribute('path', '');
    if (seen.has(path)) continue;
    seen.add(path);
    try {
      wanted.push({ path, pkg: parseArchivePath(path, { kinds: ['pkg'], where: `${node.origin}:${archive.line}` }) });
    } catch (error) {
      if (!(error instanceof ArchivePathError)) throw error;
      wanted.push({ path, refused: error });
    }
  }
  return wanted;
}
