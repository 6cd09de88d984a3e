import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { FileSystem } from '../src/index.js';
import { attempt, linesOf, runFs, script, temporaryDirectory } from './fixtures.js';

const kernel = kernelUnderTest().name;
const config = '<config directory="store"> <policy label="gateway" root="/gateway" writeable="yes"/> </config>';

describe(`lx_fs on ${kernel}: a restart`, () => {
  it('keeps what a client stored: a second boot on the same directory reads it back', async () => {
    const base = temporaryDirectory();
    const writer = script(async (env) => {
      const fs = await FileSystem.Connection.open(env);
      await attempt(env, 'state at first boot', () => fs.exists('/state.json'));
      await fs.mkdirp('/depot/genodelabs/pkg/http_server/2023-01-01');
      await fs.writeFile(
        '/depot/genodelabs/pkg/http_server/2023-01-01/archives',
        'genodelabs/src/http_server/2023-01-01\n',
      );
      await fs.writeFile('/state.json', '{"desiredVersion":7}', { atomic: true });
    });
    const first = await runFs({ lxFsConfig: config, base, clients: { gateway: writer } });
    expect(linesOf(first.lines, 'gateway')).toEqual(['state at first boot: false']);

    const reader = script(async (env) => {
      const fs = await FileSystem.Connection.open(env);
      await attempt(env, 'state', () => fs.readText('/state.json'));
      await attempt(env, 'archives', async () =>
        (await fs.readText('/depot/genodelabs/pkg/http_server/2023-01-01/archives')).trim(),
      );
      await attempt(env, 'depot', async () => (await fs.list('/depot/genodelabs/pkg')).map((entry) => entry.name));
    });
    const second = await runFs({ lxFsConfig: config, base, clients: { gateway: reader } });
    expect(second.exitValue).toBe(0);
    expect(linesOf(second.lines, 'gateway')).toEqual([
      'state: {"desiredVersion":7}',
      'archives: genodelabs/src/http_server/2023-01-01',
      'depot: ["http_server"]',
    ]);
    expect(linesOf(second.lines, 'lx_fs')).toEqual([]);
  });
});
