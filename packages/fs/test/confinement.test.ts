import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { FileSystem } from '../src/index.js';
import { attempt, linesOf, rawSessionRefusal, runFs, script, temporaryDirectory } from './fixtures.js';

const kernel = kernelUnderTest().name;

/** `error` with the runs of a repeated name in its message written as `<n*count>`, so that it fits a LOG line. */
function shortened(error: Error): Error {
  const short = new Error(error.message.replace(/(nn|d\/){20,}/g, (run) => `<${run.slice(0, 2)}*${run.length / 2}>`));
  short.name = error.name;
  return short;
}

/** A host directory with a root `depot` holding symlinks out of it, a FIFO, and a secret beside the root. */
function hostileDirectory(): string {
  const base = temporaryDirectory();
  mkdirSync(join(base, 'depot'));
  writeFileSync(join(base, 'secret.txt'), 'beside the root');
  writeFileSync(join(base, 'depot', 'inside.txt'), 'inside');
  symlinkSync('/etc', join(base, 'depot', 'etc-link'));
  symlinkSync(join(base, 'secret.txt'), join(base, 'depot', 'secret-link'));
  symlinkSync('inside.txt', join(base, 'depot', 'inside-link'));
  symlinkSync('/tmp', join(base, 'elsewhere'));
  execFileSync('mkfifo', [join(base, 'depot', 'pipe')]);
  return base;
}

describe(`lx_fs on ${kernel}: no path leaves the policy's root`, () => {
  it('refuses .., host paths, symlinks, NUL bytes, long names and FIFOs, naming the session path', async () => {
    const base = hostileDirectory();
    const client = script(async (env) => {
      const fs = await FileSystem.Connection.open(env);
      const root = await fs.dir('/');
      const s = fs.session;
      await attempt(env, 'dir /../x', () => s.dir('/../x', false));
      await attempt(env, 'dir ..', () => s.dir('/..', false));
      await attempt(env, 'dir relative', () => s.dir('secret.txt', false));
      await attempt(env, 'file ../secret.txt', () => s.file(root, '../secret.txt', 'read-only', false));
      await attempt(env, 'file ..', () => s.file(root, '..', 'read-only', false));
      await attempt(env, 'readFile /etc/passwd', () => fs.readText('/etc/passwd'));
      await attempt(env, 'list /etc-link', () => fs.list('/etc-link'));
      await attempt(env, 'readFile /etc-link/passwd', () => fs.readText('/etc-link/passwd'));
      await attempt(env, 'writeFile /etc-link/x', () => fs.writeFile('/etc-link/x', 'x'));
      await attempt(env, 'readFile /secret-link', () => fs.readText('/secret-link'));
      await attempt(env, 'readFile /inside-link', () => fs.readText('/inside-link'));
      await attempt(env, 'stat /etc-link', async () => (await fs.stat('/etc-link')).kind);
      await attempt(env, 'readFile /pipe', () => fs.readText('/pipe'));
      await attempt(env, 'dir with NUL', () => s.dir('/a\0b', true));
      await attempt(env, 'file with NUL', () => s.file(root, 'x\0.txt', 'write-only', true));
      await attempt(env, 'move to ../x', () => s.move(root, 'inside.txt', root, '../x'));
      await attempt(env, 'name of 256 bytes', () =>
        s.file(root, 'n'.repeat(256), 'write-only', true).catch((error: Error) => {
          throw shortened(error);
        }),
      );
      await attempt(env, 'name of 255 bytes', async () => {
        await fs.writeFile(`/${'n'.repeat(255)}`, 'long');
        return fs.readText(`/${'n'.repeat(255)}`);
      });
      await attempt(env, 'path of 513 bytes', () =>
        s.dir(`/${'d/'.repeat(256)}`, false).catch((error: Error) => {
          throw shortened(error);
        }),
      );
      await attempt(env, 'unlink /etc-link', async () => {
        await fs.remove('/etc-link');
        return fs.exists('/etc-link');
      });
      await attempt(env, 'list /', async () =>
        (await fs.list('/')).map((entry) => `${entry.name.length > 20 ? 'n*255' : entry.name}:${entry.kind}`),
      );
    });
    const system = await runFs({
      lxFsConfig: '<config> <policy label="client" root="depot" writeable="yes"/> </config>',
      base,
      clients: { client },
    });
    expect(system.exitValue).toBe(0);
    expect(linesOf(system.lines, 'client')).toEqual([
      'dir /../x: InvalidName: path "/../x": the name ".." names no node of its own; use a plain name',
      'dir ..: InvalidName: path "/..": the name ".." names no node of its own; use a plain name',
      'dir relative: InvalidName: path "secret.txt" is not absolute; session paths start at the session\'s root, "/"',
      'file ../secret.txt: InvalidName: file "/../secret.txt": the name "../secret.txt" holds a "/"; a name is one ' +
        'path element',
      'file ..: InvalidName: file "/..": the name ".." names no node of its own; use a plain name',
      'readFile /etc/passwd: LookupFailed: dir "/etc": no such file or directory',
      'list /etc-link: PermissionDenied: dir "/etc-link": is a symbolic link, which lx_fs never follows',
      'readFile /etc-link/passwd: PermissionDenied: dir "/etc-link": is a symbolic link, which lx_fs never follows',
      'writeFile /etc-link/x: PermissionDenied: dir "/etc-link": is a symbolic link, which lx_fs never follows',
      'readFile /secret-link: PermissionDenied: file "/secret-link": is a symbolic link, which lx_fs never follows',
      'readFile /inside-link: PermissionDenied: file "/inside-link": is a symbolic link, which lx_fs never follows',
      'stat /etc-link: symlink',
      'readFile /pipe: LookupFailed: file "/pipe": is a device, FIFO or socket, not a file',
      'dir with NUL: InvalidName: path "/a\\x00b": the name holds a NUL byte, which no host name may hold',
      'file with NUL: InvalidName: file "/x\\x00.txt": the name holds a NUL byte, which no host name may hold',
      'move to ../x: InvalidName: move of "/inside.txt" to "/../x": the name "../x" holds a "/"; a name is one path ' +
        'element',
      'name of 256 bytes: NameTooLong: file "/<nn*128>": a name of 256 bytes is longer than 255; shorten it',
      'name of 255 bytes: long',
      'path of 513 bytes: NameTooLong: path "/<d/*256>": a path of 513 bytes is longer than 512; shorten it',
      'unlink /etc-link: false',
      'list /: ["inside-link:symlink","inside.txt:file","n*255:file","pipe:other","secret-link:symlink"]',
    ]);
    // what the links pointed to is untouched
    expect(readFileSync(join(base, 'secret.txt'), 'utf8')).toBe('beside the root');
    expect(readFileSync('/etc/hostname', 'utf8').length).toBeGreaterThan(0);
  });

  it('keeps a dir handle on its directory: a symlink out of the root put in its place is never followed', async () => {
    const base = hostileDirectory();
    mkdirSync(join(base, 'depot', 'sub'));
    writeFileSync(join(base, 'depot', 'sub', 'kept.txt'), 'kept');
    const swap = () => {
      renameSync(join(base, 'depot', 'sub'), join(base, 'depot', 'old-sub'));
      symlinkSync('/etc', join(base, 'depot', 'sub'));
    };
    const client = script(async (env) => {
      const fs = await FileSystem.Connection.open(env);
      const sub = await fs.dir('/sub');
      swap();
      await attempt(env, 'read passwd', () => fs.session.file(sub, 'passwd', 'read-only', false));
      await attempt(env, 'list', async () => (await fs.entries(sub)).map((entry) => entry.name));
      await attempt(env, 'status', async () => (await fs.status(sub)).kind);
      await attempt(env, 'write', async () => {
        const file = await fs.file(sub, 'new.txt', 'write-only', true);
        await fs.write(file, 0, new TextEncoder().encode('new'));
        await fs.sync(file);
        await fs.closeHandle(file);
        await fs.sync(sub);
      });
      await attempt(env, 'dir /sub again', () => fs.dir('/sub'));
      await attempt(env, 'node /sub/passwd', () => fs.node('/sub/passwd'));
    });
    const system = await runFs({
      lxFsConfig: '<config> <policy label="client" root="depot" writeable="yes"/> </config>',
      base,
      clients: { client },
    });
    expect(linesOf(system.lines, 'client')).toEqual([
      'read passwd: LookupFailed: file "/sub/passwd": no such file or directory',
      'list: ["kept.txt"]',
      'status: directory',
      'write: ok',
      'dir /sub again: PermissionDenied: dir "/sub": is a symbolic link, which lx_fs never follows',
      'node /sub/passwd: PermissionDenied: node "/sub/passwd": "/sub" is a symbolic link, which lx_fs never follows',
    ]);
    // the write went into the directory the handle named, now at old-sub; nothing reached /etc
    expect(readFileSync(join(base, 'depot', 'old-sub', 'new.txt'), 'utf8')).toBe('new');
    expect(existsSync('/etc/new.txt')).toBe(false);
  });

  it('refuses each use of a dir handle, and of a node handle in it, once its directory left the root', async () => {
    const base = hostileDirectory();
    mkdirSync(join(base, 'depot', 'sub'));
    writeFileSync(join(base, 'depot', 'sub', 'kept.txt'), 'kept');
    writeFileSync(join(base, 'depot', 'here.txt'), 'here');
    // another session whose root is lx_fs's whole directory could do this
    const moveOut = () => renameSync(join(base, 'depot', 'sub'), join(base, 'outside'));
    const client = script(async (env) => {
      const fs = await FileSystem.Connection.open(env);
      const sub = await fs.dir('/sub');
      const root = await fs.dir('/');
      const kept = await fs.node('/sub/kept.txt');
      moveOut();
      const s = fs.session;
      await attempt(env, 'create', () => s.file(sub, 'new.txt', 'write-only', true));
      await attempt(env, 'read', () => s.file(sub, 'kept.txt', 'read-only', false));
      await attempt(env, 'list', () => fs.entries(sub));
      await attempt(env, 'unlink', () => s.unlink(sub, 'kept.txt'));
      await attempt(env, 'move in', () => s.move(root, 'here.txt', sub, 'here.txt'));
      await attempt(env, 'move out', () => s.move(sub, 'kept.txt', root, 'kept.txt'));
      await attempt(env, 'status', () => s.status(sub));
      await attempt(env, 'status of a node in it', () => s.status(kept));
    });
    const system = await runFs({
      lxFsConfig: '<config> <policy label="client" root="depot" writeable="yes"/> </config>',
      base,
      clients: { client },
    });
    const moved = "the directory was moved out of the session's root after its handle was opened";
    expect(linesOf(system.lines, 'client')).toEqual([
      `create: PermissionDenied: file "/sub/new.txt": ${moved}`,
      `read: PermissionDenied: file "/sub/kept.txt": ${moved}`,
      `list: PermissionDenied: entries of "/sub": ${moved}`,
      `unlink: PermissionDenied: unlink of "/sub/kept.txt": ${moved}`,
      `move in: PermissionDenied: move of "/here.txt" to "/sub/here.txt": ${moved}`,
      `move out: PermissionDenied: move of "/sub/kept.txt" to "/kept.txt": ${moved}`,
      `status: PermissionDenied: status of "/sub": ${moved}`,
      `status of a node in it: PermissionDenied: status of "/sub/kept.txt": ${moved}`,
    ]);
    expect(readdirSync(join(base, 'outside'))).toEqual(['kept.txt']);
    expect(readdirSync(join(base, 'depot')).sort()).toEqual(
      ['etc-link', 'here.txt', 'inside-link', 'inside.txt', 'pipe', 'secret-link'].sort(),
    );
  });

  it('refuses a path through a symbolic link on the way, in or out of the root, in each path-based call', async () => {
    const base = hostileDirectory();
    mkdirSync(join(base, 'depot', 'real'));
    writeFileSync(join(base, 'depot', 'real', 'x.txt'), 'x');
    symlinkSync('real', join(base, 'depot', 'real-link'));
    symlinkSync('nowhere', join(base, 'depot', 'dangling'));
    const client = script(async (env) => {
      const fs = await FileSystem.Connection.open(env);
      await attempt(env, 'mkdir in /etc-link', () => fs.mkdir('/etc-link/made'));
      await attempt(env, 'node in /etc-link', () => fs.node('/etc-link/passwd'));
      await attempt(env, 'dir /real-link', () => fs.dir('/real-link'));
      await attempt(env, 'dir in /real-link', () => fs.dir('/real-link/deeper', true));
      await attempt(env, 'stat in /real-link', () => fs.stat('/real-link/x.txt'));
      await attempt(env, 'readFile in /real-link', () => fs.readText('/real-link/x.txt'));
      await attempt(env, 'mkdir on a file', () => fs.dir('/inside.txt/x', true));
      await attempt(env, 'dir of a file', () => fs.dir('/inside.txt'));
      await attempt(env, 'dir of a FIFO', () => fs.dir('/pipe'));
      await attempt(env, 'readFile /real/x.txt', () => fs.readText('/real/x.txt'));
      await attempt(env, 'node below a missing dir', () => fs.node('/real/missing/x'));
      await attempt(env, 'node two below a missing dir', () => fs.node('/missing/deeper/x'));
      await attempt(env, 'dir that is missing', () => fs.dir('/real/missing'));
      await attempt(env, 'node below a missing dir in /real-link', () => fs.node('/real-link/missing/x'));
      await attempt(env, 'dir in a dangling link', () => fs.dir('/dangling/x'));
    });
    const system = await runFs({
      lxFsConfig: '<config> <policy label="client" root="depot" writeable="yes"/> </config>',
      base,
      clients: { client },
    });
    const link = (path: string) => `"${path}" is a symbolic link, which lx_fs never follows`;
    expect(linesOf(system.lines, 'client')).toEqual([
      `mkdir in /etc-link: PermissionDenied: dir "/etc-link/made": ${link('/etc-link')}`,
      `node in /etc-link: PermissionDenied: node "/etc-link/passwd": ${link('/etc-link')}`,
      'dir /real-link: PermissionDenied: dir "/real-link": is a symbolic link, which lx_fs never follows',
      `dir in /real-link: PermissionDenied: dir "/real-link/deeper": ${link('/real-link')}`,
      `stat in /real-link: PermissionDenied: node "/real-link/x.txt": ${link('/real-link')}`,
      `readFile in /real-link: PermissionDenied: dir "/real-link": is a symbolic link, which lx_fs never follows`,
      'mkdir on a file: LookupFailed: dir "/inside.txt/x": "/inside.txt" is not a directory',
      'dir of a file: LookupFailed: dir "/inside.txt": is a file, not a directory',
      'dir of a FIFO: LookupFailed: dir "/pipe": is a device, FIFO or socket, not a directory',
      'readFile /real/x.txt: x',
      'node below a missing dir: LookupFailed: node "/real/missing/x": "/real/missing" does not exist',
      'node two below a missing dir: LookupFailed: node "/missing/deeper/x": "/missing" does not exist',
      'dir that is missing: LookupFailed: dir "/real/missing": no such file or directory',
      `node below a missing dir in /real-link: PermissionDenied: node "/real-link/missing/x": ${link('/real-link')}`,
      `dir in a dangling link: PermissionDenied: dir "/dangling/x": ${link('/dangling')}`,
    ]);
    expect(existsSync('/etc/made')).toBe(false);
    expect(existsSync(join(base, 'depot', 'real', 'deeper'))).toBe(false);
  });

  it('denies a session whose policy root leads out of the directory through a symlink', async () => {
    const base = hostileDirectory();
    const client = script(async (env) => {
      await attempt(env, 'session', () =>
        rawSessionRefusal(env, 'File_system', { label: '', ram_quota: 128 * 1024, cap_quota: 2 }),
      );
    });
    const system = await runFs({
      lxFsConfig: '<config> <policy label="client" root="elsewhere" writeable="yes"/> </config>',
      base,
      clients: { client },
    });
    expect(linesOf(system.lines, 'client')).toEqual([
      'session: ServiceDenied: File_system "client": the policy (line 1) root="elsewhere" leads out of lx_fs\'s ' +
        'directory (a symbolic link)',
    ]);
  });
});
