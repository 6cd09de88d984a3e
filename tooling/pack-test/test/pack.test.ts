import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const published = [
  'kernel',
  'kernel-hw',
  'capability',
  'rpc',
  'session',
  'runtime',
  'timer',
  'init',
  'dummy',
  'kernel-nova',
  'kernel-sel4',
  'rom',
];
const scratch = mkdtempSync(join(tmpdir(), 'os-pack-'));
const tarballs: string[] = [];

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The program a user writes against the installed packages: one RPC, the conformance suite, a bad call. */
const program = `
import { Capability } from '@os/capability';
import { InvalidCapabilityError, conformanceCases } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { RpcEntrypoint, RpcObject, codec, connect, defineInterface, method } from '@os/rpc';

const Greeter = defineInterface('Greeter', { greet: method([codec.string], codec.string) });
class GreeterServer extends RpcObject {
  constructor() { super(Greeter); }
  greet(name) { return 'hello ' + name; }
}

const kernel = createHwKernel();
const serverPd = kernel.createPd('server');
const clientPd = kernel.createPd('client');
kernel.grantQuota(serverPd, { caps: 4 });
const entrypoint = new RpcEntrypoint(kernel.createThread(serverPd, 'server.ep'));
const served = entrypoint.manage(new GreeterServer());
const clientThread = kernel.createThread(clientPd, 'client.ep');
const greeter = connect(Greeter, clientThread, new Capability(kernel.delegate(serverPd, served.selector, clientPd)));
console.log(await greeter.greet('packed world'));

let passed = 0;
for (const conformanceCase of conformanceCases()) {
  const fresh = createHwKernel({ capSpaceSize: 64 });
  await conformanceCase.run(fresh, (options) => createHwKernel({ ...options, capSpaceSize: 64 }));
  await fresh.settle();
  passed++;
}
console.log('conformance ' + passed + '/' + conformanceCases().length);

clientThread.utcb.length = 0;
try { clientThread.call(4242); } catch (error) { console.log((error instanceof InvalidCapabilityError) + ' ' + \
error.name); }
`;

beforeAll(() => {
  const packDir = join(scratch, 'tarballs');
  for (const name of published) {
    const output = run('pnpm', ['pack', '--pack-destination', packDir], join(root, 'packages', name));
    const file = output.trim().split('\n').at(-1) as string;
    tarballs.push(file);
  }
  const project = join(scratch, 'project');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', ...tarballs], project);
  writeFileSync(join(project, 'main.mjs'), program);
}, 180_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the published packages, installed with plain npm into an empty project', () => {
  it('each tarball holds the built code, types, README and API report, and no sources or tests', () => {
    for (const tarball of tarballs) {
      const files = run('tar', ['-tzf', tarball], scratch).split('\n');
      expect(files, tarball).toContain('package/dist/index.js');
      expect(files, tarball).toContain('package/dist/index.d.ts');
      expect(files, tarball).toContain('package/README.md');
      expect(
        files.some((file) => /^package\/etc\/.*\.api\.md$/.test(file)),
        tarball,
      ).toBe(true);
      expect(
        files.filter((file) => file.startsWith('package/src/') || file.startsWith('package/test/')),
        tarball,
      ).toEqual([]);
      const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], scratch)) as {
        dependencies?: Record<string, string>;
      };
      expect(
        Object.values(manifest.dependencies ?? {}).filter((range) => range.startsWith('workspace:')),
        tarball,
      ).toEqual([]);
    }
  });

  it('installs and runs: a typed call, the whole conformance suite, a typed kernel error', () => {
    const project = join(scratch, 'project');
    expect(readdirSync(join(project, 'node_modules', '@os')).sort()).toEqual([
      'capability',
      'dummy',
      'init',
      'kernel',
      'kernel-hw',
      'kernel-nova',
      'kernel-sel4',
      'rom',
      'rpc',
      'runtime',
      'session',
      'timer',
    ]);
    const output = run('node', ['main.mjs'], project).trim().split('\n');
    expect(output[0]).toBe('hello packed world');
    expect(output[1]).toMatch(/^conformance (\d+)\/\1$/);
    expect(output[2]).toBe('true InvalidCapabilityError');
  });

  for (const name of published) {
    it(`the example in the README of @os/${name} runs and prints what the README shows`, () => {
      const project = join(scratch, 'project');
      const readme = readFileSync(join(project, 'node_modules', '@os', name, 'README.md'), 'utf8');
      const example = /```js\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/.exec(readme);
      expect(example, `README of @os/${name} has a js example followed by its output`).not.toBeNull();
      const [, code, expected] = example as RegExpExecArray;
      writeFileSync(join(project, `readme-${name}.mjs`), code as string);
      expect(run('node', [`readme-${name}.mjs`], project)).toBe(expected);
    });
  }
});
