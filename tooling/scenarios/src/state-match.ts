import type { XmlNode } from '@os/runtime';

/**
 * Whether `actual` (a state report node) has what `expected` asks for: every attribute of `expected`
 * with the same value, none of the attributes its `absent` attribute lists (space-separated), and for
 * each sub node of `expected` some sub node of the same type in `actual` that matches it in turn.
 */
export function stateMatches(expected: XmlNode, actual: XmlNode): boolean {
  if (expected.type !== actual.type) return false;
  for (const name of expected.attributeNames()) {
    if (name === 'absent') continue;
    if (actual.attribute(name) !== expected.attribute(name)) return false;
  }
  for (const name of (expected.attribute('absent') ?? '').split(/\s+/).filter((word) => word !== '')) {
    if (actual.hasAttribute(name)) return false;
  }
  return expected
    .subNodes()
    .every((wanted) => actual.subNodes(wanted.type).some((candidate) => stateMatches(wanted, candidate)));
}
