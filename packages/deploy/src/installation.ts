import { xmlAttribute } from './xml-text.js';

/**
 * The `installation` report for the download component, Genode's form: an `<installation arch="js">` node holding an
 * `<archive path="user/pkg/name/version"/>` per pkg (each once, in the order given) that a wanted component needs and
 * the local depot lacks, or lacks an archive of.
 */
export function installation(pkgs: Iterable<string>): string {
  const lines = ['<installation arch="js">'];
  for (const path of new Set(pkgs)) lines.push(`\t<archive path="${xmlAttribute(path)}"/>`);
  lines.push('</installation>', '');
  return lines.join('\n');
}
