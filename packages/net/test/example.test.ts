import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, kernel } from './fixtures.js';

const example = resolve(import.meta.dirname, '../example');
// the os command of this repository (built by `pnpm build`): @os/cli depends on @os/net, so this test runs it by path
const main = resolve(import.meta.dirname, '../../cli/dist/main.js');

/** The example in a fresh directory, its port 7070 replaced by `port`. */
function exampleWithPort(port: number): string {
  const directory = mkdtempSync(join(tmpdir(), 'os-net-example-'));
  for (const file of readdirSync(example))
    writeFileSync(join(directory, file), readFileSync(join(example, file), 'utf8').replaceAll('7070', String(port)));
  return directory;
}

describe(`the README's example with os run on ${kernel.name}`, () => {
  it('greets the visitor through the net server, and refuses what the policy does not allow', async () => {
    const port = await freePort();
    const directory = exampleWithPort(port);
    try {
      const result = spawnSync('node', [main, 'run', join(directory, 'system.xml'), '--kernel', kernel.name], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.stdout).toBe(
        `[init -> greeter] listening on port ${port}\n` +
          '[init -> visitor] hello, visitor\n' +
          '[init -> net] Warning: denied connect of "visitor" to example.org:80: not in the policy at net config ' +
          'line 3\n' +
          '[init -> visitor] PolicyDenied: connect to example.org:80 denied: the policy at net config line 3 for ' +
          `"visitor" allows connect to 127.0.0.1:${port} only\n`,
      );
      expect(result.status).toBe(0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('refuses to start the net server on virtual time, saying why', () => {
    const result = spawnSync('node', [main, 'run', join(example, 'system.xml'), '--virtual-time'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stdout).toContain('NetNeedsRealTime: the network service needs real time');
  });

  it('is the system.xml, greeter.mjs and visitor.mjs the README shows', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
    for (const file of ['system.xml', 'greeter.mjs', 'visitor.mjs']) {
      const block = readme.match(new RegExp(`\`\`\`\\w+ example/${file.replace('.', '\\.')}\\n([\\s\\S]*?)\`\`\``));
      expect(block?.[1], file).toBe(readFileSync(join(example, file), 'utf8'));
    }
  });
});
