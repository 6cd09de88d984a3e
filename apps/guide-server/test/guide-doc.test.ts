import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const guide = readFileSync(resolve(root, 'docs/writing-a-server.md'), 'utf8');

/** The guide's code blocks that name a file (```js apps/guide-server/visitor.mjs), by the file. */
function namedBlocks(): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of guide.matchAll(/^```\w+ (\S+)\n([\s\S]*?)^```$/gm))
    blocks.set(match[1] as string, match[2] as string);
  return blocks;
}

describe('docs/writing-a-server.md', () => {
  it('shows every file of apps/guide-server as it is', () => {
    const blocks = namedBlocks();
    expect([...blocks.keys()].sort()).toEqual([
      'apps/guide-server/guestbook-server.mjs',
      'apps/guide-server/guestbook.mjs',
      'apps/guide-server/system.xml',
      'apps/guide-server/test/guide-server.test.ts',
      'apps/guide-server/visitor.mjs',
    ]);
    for (const [path, text] of blocks)
      expect(text, `the block for ${path}`).toBe(readFileSync(resolve(root, path), 'utf8'));
  });
});
