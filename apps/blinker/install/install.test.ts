import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
/** The folder names of `@os/<name>` and of every `@os` package it depends on, however deep. */
function withDependencies(names: readonly string[]): string[] {
  const found = new Set<string>();
  const visit = (name: string): void => {
    if (found.has(name)) return;
    found.add(name);
    const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies ?? {}))
      if (dependency.startsWith('@os/')) visit(dependency.slice('@os/'.length));
  };
  for (const name of names) visit(name);
  return [...found].sort();
}

// the @os packages a system needs to run `os run` (the cli and all it depends on), and @os/testing, published
const osPackages = withDependencies(['cli', 'testing', 'libc-shim']);
const scratch = mkdtempSync(join(tmpdir(), 'os-blinker-'));
const system = join(scratch, 'system');

function pack(directory: string): string {
  const output = execFileSync('pnpm', ['pack', '--pack-destination', join(scratch, 'tarballs')], {
    cwd: directory,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return output.trim().split('\n').at(-1) as string;
}

function config(start: string): string {
  return `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="Rtc"/> \
</parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
  ${start}
</config>
`;
}

function osRun(
  file: string,
  kernel = 'hw',
): { readonly status: number | null; readonly stdout: string; readonly stderr: string } {
  writeFileSync(join(system, 'system.xml'), file);
  const result = spawnSync(
    join(system, 'node_modules/.bin/os'),
    ['run', 'system.xml', '--virtual-time', '--kernel', kernel],
    { cwd: system, encoding: 'utf8' },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  const tarballs = [...osPackages.map((name) => pack(join(root, 'packages', name))), pack(join(root, 'apps/blinker'))];
  mkdirSync(system, { recursive: true });
  writeFileSync(
    join(system, 'package.json'),
    JSON.stringify({ name: 'scratch-system', private: true, type: 'module' }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', ...tarballs], {
    cwd: system,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}, 240_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const blinker =
  '<start name="blinker"> <binary name="@acme/blinker"/> <exit propagate="yes"/> <config led="led1" period_ms="250" ' +
  'count="4"/> </start>';

describe('@acme/blinker, packed and installed with plain npm into a separate system', () => {
  it.each(['hw', 'nova', 'sel4'])("starts from the system's init config by its package name (%s)", (kernel) => {
    const result = osRun(config(blinker), kernel);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual([
      '[init -> blinker] led1 on',
      '[init -> blinker] led1 off',
      '[init -> blinker] led1 on',
      '[init -> blinker] led1 off',
    ]);
    expect(result.status).toBe(0);
  });

  it('is checked against its manifest before boot: too little quota is an error naming the package', () => {
    const result = osRun(config(blinker.replace('<start name="blinker">', '<start name="blinker" caps="20">')));
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        /system\.xml:6: <start name="blinker">: package "@acme\/blinker" needs at least caps="50", /.source +
          /but the start entry gives 20/.source,
      ),
    );
    expect(result.status).toBe(1);
  });

  it('is checked against its manifest before boot: a required session without a route is an error', () => {
    const withoutTimer = config(blinker).replace(
      '<start name="timer"> <provides> <service name="Timer"/> </provides> </start>',
      '',
    );
    const result = osRun(withoutTimer);
    expect(result.stderr).toMatch(
      /<start name="blinker">: package "@acme\/blinker" requires a "Timer" session, but it has no route/,
    );
    expect(result.status).toBe(1);
  });

  it("is tested there with the published @os/testing, as the package's own tests would", () => {
    const script = `import { runComponent } from '@os/testing';
for (const kernel of ['hw', 'nova', 'sel4']) {
  const run = await runComponent({ binary: '@acme/blinker', directory: process.cwd(), kernel, config: '<config \
led="led2" period_ms="100" count="3"/>' });
  console.log(kernel, JSON.stringify(run.end), run.virtualUs, run.output.join(','));
}
`;
    writeFileSync(join(system, 'check.mjs'), script);
    const result = spawnSync(process.execPath, ['check.mjs'], { cwd: system, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const expected = (kernel: string) => `${kernel} {"kind":"exit","value":0} 300000 led2 on,led2 off,led2 on`;
    expect(result.stdout.trim().split('\n')).toEqual(['hw', 'nova', 'sel4'].map(expected));
  });

  it("runs @os/testing's README example as printed", () => {
    const readme = readFileSync(join(system, 'node_modules/@os/testing/README.md'), 'utf8');
    const [, code, expected] = /```js\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/.exec(readme) as RegExpExecArray;
    writeFileSync(join(system, 'readme-testing.mjs'), code as string);
    const result = spawnSync(process.execPath, ['readme-testing.mjs'], { cwd: system, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(expected);
  });

  it('names a package that is not installed', () => {
    const result = osRun(config(blinker.replace('@acme/blinker', '@acme/missing')));
    expect(result.stderr).toMatch(
      new RegExp(
        /<start name="blinker">: binary "@acme\/missing": .* no package "@acme\/missing" is /.source +
          /installed there \(looked in node_modules from .* up\)/.source,
      ),
    );
    // a name that is neither built in, a file nor installed gets no advice to install a public package of that name
    expect(result.stderr).not.toContain('npm install');
    expect(result.status).toBe(1);
  });
});
