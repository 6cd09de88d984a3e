import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import * as depotExample from '../example/depot.js';
import { FileSystem } from '../src/index.js';
import { attempt, linesOf, runFs, script, temporaryDirectory } from './fixtures.js';

const kernel = kernelUnderTest().name;
const depotPolicy =
  '<config directory="state"> <policy label_prefix="gateway" root="depot" writeable="yes"/> </config>';

describe(`lx_fs on ${kernel}: storage as a routed service`, () => {
  it('writes, reads, lists, renames and deletes files in a host directory through a File_system session', async () => {
    const base = temporaryDirectory();
    const gateway = script(async (env) => {
      const fs = await FileSystem.Connection.open(env);
      await fs.mkdirp('/quarantine/genodelabs');
      await fs.mkdirp('pkg/genodelabs');
      await fs.writeFile('/quarantine/genodelabs/http_server.tar.gz', 'archive bytes');
      await attempt(env, 'read', () => fs.readText('/quarantine/genodelabs/http_server.tar.gz'));
      await attempt(env, 'list /', async () => (await fs.list('/')).map((entry) => `${entry.name}:${entry.kind}`));
      await fs.rename('/quarantine/genodelabs/http_server.tar.gz', '/pkg/genodelabs/http_server.tar.gz');
      await attempt(env, 'moved away', () => fs.exists('/quarantine/genodelabs/http_server.tar.gz'));
      await attempt(env, 'size', async () => (await fs.stat('/pkg/genodelabs/http_server.tar.gz')).size);
      await fs.writeFile('/state.json', '{"version":1}');
      await fs.writeFile('/state.json', '{"version":2}', { atomic: true });
      await attempt(env, 'state', () => fs.readText('state.json'));
      await fs.remove('/quarantine');
      await attempt(env, 'list / after remove', async () => (await fs.list('/')).map((entry) => entry.name));
      await fs.close();
    });
    const system = await runFs({ lxFsConfig: depotPolicy, base, clients: { gateway } });
    expect(system.exitValue).toBe(0);
    expect(linesOf(system.lines, 'gateway')).toEqual([
      'read: archive bytes',
      'list /: ["pkg:directory","quarantine:directory"]',
      'moved away: false',
      'size: 13',
      'state: {"version":2}',
      'list / after remove: ["pkg","state.json"]',
    ]);
    const depot = join(base, 'state', 'depot');
    expect(readFileSync(join(depot, 'pkg/genodelabs/http_server.tar.gz'), 'utf8')).toBe('archive bytes');
    expect(readdirSync(depot).sort()).toEqual(['pkg', 'state.json']);
    expect(linesOf(system.lines, 'lx_fs')).toEqual([
      `created ${join(base, 'state')}`,
      `created ${depot} for "gateway"`,
    ]);
  });

  it('reads a file whole whatever its size against the buffer, and from any position to its end', async () => {
    const base = temporaryDirectory();
    const sizes = [0, 1, 4095, 4096, 4097, 8192, 8193];
    const reader = script(async (env) => {
      const fs = await FileSystem.Connection.open(env, { bufferSize: 4096 });
      for (const size of sizes) {
        const bytes = Uint8Array.from({ length: size }, (_, index) => index % 251);
        await fs.writeFile(`/f${size}`, bytes);
        const whole = await fs.readFile(`/f${size}`);
        const root = await fs.dir('/');
        const file = await fs.file(root, `f${size}`, 'read-only');
        const tail = await fs.read(file, Math.max(0, size - 4097), 10_000);
        const past = await fs.read(file, size + 3, 10);
        await fs.closeHandle(file);
        await fs.closeHandle(root);
        const same = whole.length === size && whole.every((byte, index) => byte === index % 251);
        await env.log(`${size}: ${same ? 'whole' : 'different'}, tail ${tail.length}, past the end ${past.length}`);
      }
    });
    const system = await runFs({ lxFsConfig: depotPolicy, base, clients: { gateway: reader } });
    expect(system.exitValue).toBe(0);
    expect(linesOf(system.lines, 'gateway')).toEqual(
      sizes.map((size) => `${size}: whole, tail ${Math.min(size, 4097)}, past the end 0`),
    );
  });

  it("runs the README's TypeScript client: a download moved from quarantine into the depot", async () => {
    const base = temporaryDirectory();
    const system = await runFs({
      lxFsConfig: '<config> <policy label="depot -> depot" root="/" writeable="yes"/> </config>',
      base,
      clients: { depot: depotExample },
    });
    expect(linesOf(system.lines, 'depot')).toEqual(['250000 bytes in the depot']);
    expect(readdirSync(join(base, 'quarantine'))).toEqual([]);
    expect(readFileSync(join(base, 'genodelabs/src/http_server.tar.gz')).length).toBe(250_000);
  });
});
