import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DepotKeyError,
  PublishError,
  type SignedArchive,
  depotFiles,
  missingArchives,
  verifyPkg,
} from '../src/index.js';
import { depotCommand, keygen, publish, serveDepot, trustFromDepot } from '../src/host.js';
import { componentFolder } from './fixture.js';

const OS = fileURLToPath(new URL('../../cli/bin/os.js', import.meta.url));

const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'os-depot-'));
}

/** Runs `os depot ...` in `cwd` to its end. */
function os(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [OS, 'depot', ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `folder` by relative path, without node_modules and dot files. */
function filesOf(folder: string): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else found.set(relative(folder, path), readFileSync(path, 'utf8'));
    }
  };
  visit(folder);
  return found;
}

describe('os depot keygen, publish and serve as processes', () => {
  it('publish -> HTTP GET from the real server -> verify -> extract gives the same files', async () => {
    const work = scratch();
    componentFolder(join(work, 'http_server'), 'http_server');
    mkdirSync(join(work, 'http_server/node_modules/left-out'), { recursive: true });
    writeFileSync(join(work, 'http_server/node_modules/left-out/index.js'), '');

    const made = os(work, 'keygen', 'gapstage', '--depot', 'depot', '--key', 'keys/gapstage.key');
    expect(made).toEqual({
      status: 0,
      stdout: 'pubkey: depot/gapstage/pubkey\nprivate key: keys/gapstage.key\n',
      stderr: '',
    });
    expect(statSync(join(work, 'keys/gapstage.key')).mode & 0o777).toBe(0o600);

    const published = os(
      work,
      ...['publish', 'http_server', '--user', 'gapstage', '--version', '2023-01-01'],
      ...['--depot', 'depot', '--key', 'keys/gapstage.key'],
    );
    expect(published).toEqual({
      status: 0,
      stdout:
        'publish depot/gapstage/bin/js/http_server/2023-01-01.tar.gz\n' +
        'publish depot/gapstage/pkg/http_server/2023-01-01.tar.gz\n',
      stderr: '',
    });

    const server = spawn(process.execPath, [OS, 'depot', 'serve', 'depot', '--port', '0'], { cwd: work });
    running.push(server);
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: server.stdout as NodeJS.ReadableStream }).once('line', resolve),
    );
    expect(line).toMatch(/^depot: http:\/\/127\.0\.0\.1:\d+\/$/);
    const url = line.slice('depot: '.length);

    const trust = trustFromDepot(join(work, 'depot'));
    const fetched = new Map<string, SignedArchive>();
    const get = async (path: string) => new Uint8Array(await (await fetch(`${url}${path}`)).arrayBuffer());
    for (
      let needed = await missingArchives('gapstage/pkg/http_server/2023-01-01', fetched, { trust });
      needed.length > 0;
    ) {
      for (const archive of needed)
        fetched.set(archive.path, {
          archive: await get(`${archive.path}.tar.gz`),
          signature: await get(`${archive.path}.tar.gz.sig`),
        });
      needed = await missingArchives('gapstage/pkg/http_server/2023-01-01', fetched, { trust });
    }
    expect([...fetched.keys()]).toEqual([
      'gapstage/pkg/http_server/2023-01-01',
      'gapstage/bin/js/http_server/2023-01-01',
    ]);
    const verified = await verifyPkg('gapstage/pkg/http_server/2023-01-01', fetched, { trust });

    const extracted = join(work, 'extracted');
    for (const file of depotFiles(verified)) {
      mkdirSync(join(extracted, file.path, '..'), { recursive: true });
      writeFileSync(join(extracted, file.path), file.bytes);
    }
    const component = filesOf(join(work, 'http_server'));
    expect([...component.keys()]).toEqual(['dist/main.js', 'dist/page.html', 'package.json']);
    expect(filesOf(join(extracted, 'gapstage/bin/js/http_server/2023-01-01'))).toEqual(component);
    expect(filesOf(join(extracted, 'gapstage/pkg/http_server/2023-01-01'))).toEqual(
      filesOf(join(work, 'depot/gapstage/pkg/http_server/2023-01-01')),
    );
    expect(verified.runtime).toMatchObject({ ram: 4 * 1024 * 1024, caps: 60, binary: 'http_server' });
    expect(verified.runtime.requires.map((required) => required.service)).toEqual(['Timer', 'Net']);

    const exit = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('reports a refusal on stderr with exit 1, and usage for a wrong argument', () => {
    const work = scratch();
    expect(os(work, 'keygen', 'gapstage', '--depot', 'depot', '--key', 'k').status).toBe(0);
    expect(os(work, 'keygen', 'gapstage', '--depot', 'depot', '--key', 'k2')).toEqual({
      status: 1,
      stdout: '',
      stderr:
        'os depot: depot/gapstage/pubkey exists; keygen does not overwrite a key (remove it first, or pick another)\n',
    });
    const noUser = os(work, 'publish', 'x', '--version', '1');
    expect([noUser.status, noUser.stderr.split('\n')[0]]).toEqual([1, 'os depot: "os depot publish" needs --user']);
    expect(noUser.stderr).toContain('  os depot publish <component-folder> --user U --version V');
    const unknown = os(work, 'serve', 'depot', '--prot', '80');
    expect([unknown.status, unknown.stderr.split('\n')[0]]).toEqual([1, "os depot: Unknown option '--prot'"]);
    expect(os(work, 'frobnicate').stderr.split('\n')[0]).toBe('os depot: unknown action "frobnicate"');
  });
});

describe('keygen, publish and serve as library calls', () => {
  it('keygen refuses to overwrite, to put the private key in the depot, and a bad user', () => {
    const work = scratch();
    const depot = join(work, 'depot');
    const written = keygen('gapstage', { depot, key: join(work, 'gapstage.key') });
    expect(readFileSync(written.pubkey, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(readFileSync(written.key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(() => keygen('gapstage', { depot, key: join(work, 'other.key') })).toThrow(DepotKeyError);
    expect(() => keygen('second', { depot, key: join(work, 'gapstage.key') })).toThrow(
      `${join(work, 'gapstage.key')} exists; keygen does not overwrite a key`,
    );
    expect(existsSync(join(depot, 'second/pubkey'))).toBe(false);
    expect(() => keygen('third', { depot, key: join(depot, 'third.key') })).toThrow(
      `the private key ${join(depot, 'third.key')} would lie inside the depot ${depot}, which is published`,
    );
    expect(() => keygen('../up', { depot, key: join(work, 'up.key') })).toThrow('"../up" is no depot user name');
  });

  it('publish makes the same bytes from the same folder, and never overwrites a version', async () => {
    const work = scratch();
    componentFolder(join(work, 'comp'), '@acme/http_server');
    const key = join(work, 'gapstage.key');
    keygen('gapstage', { depot: join(work, 'a'), key });
    mkdirSync(join(work, 'b/gapstage'), { recursive: true });
    writeFileSync(join(work, 'b/gapstage/pubkey'), readFileSync(join(work, 'a/gapstage/pubkey')));
    const options = { user: 'gapstage', version: '2023-01-01', key };
    const first = await publish(join(work, 'comp'), { ...options, depot: join(work, 'a') });
    expect(first.archives).toEqual([
      'gapstage/bin/js/http_server/2023-01-01.tar.gz',
      'gapstage/pkg/http_server/2023-01-01.tar.gz',
    ]);
    // a copy made later, its files with other times and modes: the archive's bytes do not show them
    cpSync(join(work, 'comp'), join(work, 'copy'), { recursive: true });
    utimesSync(join(work, 'copy/dist/main.js'), 1_000_000, 1_000_000);
    chmodSync(join(work, 'copy/package.json'), 0o600);
    chmodSync(join(work, 'copy/dist/page.html'), 0o755);
    await publish(join(work, 'copy'), { ...options, depot: join(work, 'b') });
    for (const file of [...first.archives, ...first.archives.map((archive) => `${archive}.sig`)])
      expect(readFileSync(join(work, 'b', file))).toEqual(readFileSync(join(work, 'a', file)));
    await expect(publish(join(work, 'comp'), { ...options, depot: join(work, 'a') })).rejects.toThrow(
      `${join(work, 'a', 'gapstage/bin/js/http_server/2023-01-01')} exists: gapstage/bin/js/http_server/2023-01-01 ` +
        'is published, and a published version does not change; publish a new version',
    );
  });

  it("publish takes the folder's own runtime file, checked", async () => {
    const work = scratch();
    const depot = join(work, 'depot');
    const key = join(work, 'k');
    keygen('gapstage', { depot, key });
    componentFolder(join(work, 'comp'), 'mqtt_bridge');
    const runtime = '<runtime ram="8M" caps="80" binary="mqtt_bridge">\n\t<requires> <nic/> </requires>\n</runtime>\n';
    writeFileSync(join(work, 'comp/runtime'), runtime);
    await publish(join(work, 'comp'), { user: 'gapstage', version: '2023-02-01', depot, key });
    expect(readFileSync(join(depot, 'gapstage/pkg/mqtt_bridge/2023-02-01/runtime'), 'utf8')).toBe(runtime);
    writeFileSync(join(work, 'comp/runtime'), '<runtime ram="8M" caps="80" binary="other"/>');
    await expect(publish(join(work, 'comp'), { user: 'gapstage', version: '2', depot, key })).rejects.toThrow(
      `${join(work, 'comp/runtime')}: binary="other", but the archive is named "mqtt_bridge"; make them agree`,
    );
    writeFileSync(join(work, 'comp/runtime'), '<runtime ram="8M"/>');
    await expect(publish(join(work, 'comp'), { user: 'gapstage', version: '2', depot, key })).rejects.toThrow(
      `${join(work, 'comp/runtime')}:1: <runtime> has no caps="..." quota`,
    );
    expect(existsSync(join(depot, 'gapstage/bin/js/mqtt_bridge/2'))).toBe(false);
  });

  it("publish refuses a key that is not the pubkey's, a missing pubkey, a symlink, no manifest", async () => {
    const work = scratch();
    const depot = join(work, 'depot');
    keygen('gapstage', { depot, key: join(work, 'g.key') });
    keygen('other', { depot: join(work, 'elsewhere'), key: join(work, 'o.key') });
    componentFolder(join(work, 'comp'), 'http_server');
    const options = { user: 'gapstage', version: '1', depot };
    await expect(publish(join(work, 'comp'), { ...options, key: join(work, 'o.key') })).rejects.toThrow(
      `${join(work, 'o.key')} is not the private key of ${join(depot, 'gapstage/pubkey')}`,
    );
    await expect(publish(join(work, 'comp'), { ...options, user: 'nobody', key: join(work, 'g.key') })).rejects.toThrow(
      `${join(depot, 'nobody/pubkey')} does not exist; run "os depot keygen nobody --depot ${depot}" first`,
    );
    symlinkSync('/etc/passwd', join(work, 'comp/dist/passwd'));
    await expect(publish(join(work, 'comp'), { ...options, key: join(work, 'g.key') })).rejects.toThrow(
      new PublishError(`${join(work, 'comp/dist/passwd')} is a symbolic link; an archive holds files and folders only`),
    );
    writeFileSync(join(work, 'comp/package.json'), '{"name":"http_server"}');
    await expect(publish(join(work, 'comp'), { ...options, key: join(work, 'g.key') })).rejects.toThrow(
      'is not a component package: its package.json has no "osComponent" field',
    );
    expect(readdirSync(join(depot, 'gapstage'))).toEqual(['pubkey']);
  });

  it('depotCommand serves until told to stop', async () => {
    const work = scratch();
    mkdirSync(join(work, 'depot'));
    writeFileSync(join(work, 'depot/hello'), 'hello\n');
    const lines: string[] = [];
    let stop = (): void => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const served = new Promise<string>((resolve) => {
      void depotCommand(
        ['serve', join(work, 'depot')],
        { stdout: (line) => lines.push(line), stderr: (line) => lines.push(line) },
        { stopped, onServe: (server) => resolve(server.url) },
      ).then((code) => lines.push(`exit ${code}`));
    });
    const url = await served;
    expect(await (await fetch(`${url}hello`)).text()).toBe('hello\n');
    stop();
    await expect.poll(() => lines).toEqual([`depot: ${url}`, 'exit 0']);
    const direct = await serveDepot(join(work, 'depot'));
    expect(direct.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await direct.close();
  });
});
