import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { FileSystem } from '../src/index.js';
import { attempt, linesOf, rawSessionRefusal, runFs, script, temporaryDirectory } from './fixtures.js';

const kernel = kernelUnderTest().name;

describe(`lx_fs on ${kernel}: policies`, () => {
  it('refuses every write under a read-only policy and serves reads', async () => {
    const base = temporaryDirectory();
    mkdirSync(join(base, 'ro', 'docs'), { recursive: true });
    writeFileSync(join(base, 'ro', 'docs', 'readme.txt'), 'read me');
    const reader = script(async (env) => {
      const fs = await FileSystem.Connection.open(env);
      const docs = await fs.dir('/docs');
      await attempt(env, 'read', () => fs.readText('/docs/readme.txt'));
      await attempt(env, 'writeable', async () => (await fs.stat('/docs/readme.txt')).writeable);
      await attempt(env, 'write', () => fs.writeFile('/docs/readme.txt', 'changed'));
      await attempt(env, 'create', () => fs.writeFile('/docs/new.txt', 'new'));
      await attempt(env, 'open read-write', () => fs.file(docs, 'readme.txt', 'read-write'));
      await attempt(env, 'mkdir', () => fs.mkdir('/docs/sub'));
      await attempt(env, 'unlink', () => fs.unlink(docs, 'readme.txt'));
      await attempt(env, 'move', () => fs.move(docs, 'readme.txt', docs, 'moved.txt'));
      const file = await fs.file(docs, 'readme.txt', 'read-only');
      await attempt(env, 'write on a read-only handle', () => fs.write(file, 0, new Uint8Array(1)));
      await attempt(env, 'truncate', () => fs.truncate(file, 0));
      await attempt(env, 'sync', () => fs.sync(file));
    });
    const system = await runFs({
      lxFsConfig: '<config> <policy label="writer" root="rw" writeable="yes"/> <default-policy root="ro"/> </config>',
      base,
      clients: { reader },
    });
    expect(system.exitValue).toBe(0);
    const readOnly = `the session's policy is read-only (writeable="no")`;
    expect(linesOf(system.lines, 'reader')).toEqual([
      'read: read me',
      'writeable: false',
      `write: PermissionDenied: file "/docs/readme.txt": ${readOnly}`,
      `create: PermissionDenied: file "/docs/new.txt": ${readOnly}`,
      `open read-write: PermissionDenied: file "/docs/readme.txt": ${readOnly}`,
      `mkdir: PermissionDenied: dir "/docs/sub": ${readOnly}`,
      `unlink: PermissionDenied: unlink of "/docs/readme.txt": ${readOnly}`,
      `move: PermissionDenied: move of "/docs/readme.txt" to "/docs/moved.txt": ${readOnly}`,
      'write on a read-only handle: PermissionDenied: write to "/docs/readme.txt": the handle was opened read-only',
      'truncate: PermissionDenied: truncate of "/docs/readme.txt": the handle was opened read-only',
      'sync: ok',
    ]);
    expect(readdirSync(join(base, 'ro', 'docs'))).toEqual(['readme.txt']);
  });

  it('denies a session whose label no policy matches, and a read-only policy whose root is missing', async () => {
    const base = temporaryDirectory();
    const stranger = script(async (env) => {
      await attempt(env, 'open', () => FileSystem.Connection.open(env));
      await attempt(env, 'open "archive"', () => FileSystem.Connection.open(env, { label: 'archive' }));
      await attempt(env, 'open with a buffer of 100 bytes', () =>
        rawSessionRefusal(env, 'File_system', { label: 'depot', ram_quota: 65536, cap_quota: 2, tx_buf_size: 100 }),
      );
    });
    const system = await runFs({
      lxFsConfig:
        '<config>\n  <policy label="gateway" root="depot" writeable="yes"/>\n' +
        '  <policy label_suffix="archive" root="archive"/>\n  <policy label_suffix="depot" root="depot"/>\n</config>',
      base,
      clients: { stranger },
    });
    expect(system.exitValue).toBe(0);
    expect(linesOf(system.lines, 'stranger')).toEqual([
      'open: ServiceDenied: File_system: no policy matches label "stranger" in ROM "config" and there is no ' +
        '<default-policy>',
      'open "archive": ServiceDenied: File_system "stranger -> archive": the policy (line 3) root="archive" does ' +
        'not exist, and a read-only policy makes none',
      'open with a buffer of 100 bytes: ServiceDenied: File_system "stranger -> depot": tx_buf_size=100 is less ' +
        'than 4096, the smallest buffer a session may have',
    ]);
    expect(linesOf(system.lines, 'lx_fs')).toEqual([
      'Error: denied "stranger": File_system: no policy matches label "stranger" in ROM "config" and there is no ' +
        '<default-policy>',
      'Error: denied "stranger -> archive": File_system "stranger -> archive": the policy (line 3) ' +
        'root="archive" does not exist, and a read-only policy makes none',
      'Error: denied "stranger -> depot": File_system "stranger -> depot": tx_buf_size=100 is less than 4096, the ' +
        'smallest buffer a session may have',
    ]);
    expect(readdirSync(base)).toEqual([]);
  });
});

describe(`lx_fs on ${kernel}: its config`, () => {
  it('denies every session while its directory is unusable, naming why in its LOG', async () => {
    const base = temporaryDirectory();
    writeFileSync(join(base, 'plain-file'), 'not a directory');
    const client = script(async (env) => {
      await attempt(env, 'open', () => FileSystem.Connection.open(env));
    });
    const system = await runFs({
      lxFsConfig: '<config directory="plain-file"> <default-policy root="/" writeable="yes"/> </config>',
      base,
      clients: { client },
    });
    expect(system.exitValue).toBe(0);
    expect(linesOf(system.lines, 'lx_fs')).toEqual([
      `Error: ${join(base, 'plain-file')} is no directory; every session is denied until it is fixed`,
      'Error: denied "client": File_system: lx_fs cannot serve: ' + `${join(base, 'plain-file')} is no directory`,
    ]);
    expect(linesOf(system.lines, 'client')).toEqual([
      `open: ServiceDenied: File_system: lx_fs cannot serve: ${join(base, 'plain-file')} is no directory`,
    ]);
  });

  it('takes an absolute directory as it is, and a root of "/" as the whole directory', async () => {
    const base = temporaryDirectory();
    const elsewhere = temporaryDirectory();
    const client = script(async (env) => {
      const fs = await FileSystem.Connection.open(env);
      await fs.writeFile('/at-the-top.txt', 'top');
    });
    await runFs({
      lxFsConfig: `<config directory="${elsewhere}"> <default-policy root="/" writeable="yes"/> </config>`,
      base,
      clients: { client },
    });
    expect(readdirSync(elsewhere)).toEqual(['at-the-top.txt']);
    expect(readdirSync(base)).toEqual([]);
  });
});
