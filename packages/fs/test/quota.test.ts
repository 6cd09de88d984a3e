import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '@os/runtime';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { FileSystem } from '../src/index.js';
import { attempt, linesOf, rawSessionRefusal, runFs, script, temporaryDirectory } from './fixtures.js';

const kernel = kernelUnderTest().name;
const config = '<config> <default-policy root="data" writeable="yes"/> </config>';

/** 300 KB of a pattern no chunk boundary hides. */
function bigContent(): Uint8Array {
  const bytes = new Uint8Array(300_001);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 12)) & 0xff;
  return bytes;
}

describe(`lx_fs on ${kernel}: what a client pays for`, () => {
  it('moves a file larger than the buffer in chunks, and the server holds no more than the donation', async () => {
    const base = temporaryDirectory();
    let server: Env | undefined;
    const used: number[] = [];
    const ramUsed = () => used.push((server as Env).pd.quota().ramUsed);
    const content = bigContent();
    const client = script(async (env) => {
      ramUsed();
      const fs = await FileSystem.Connection.open(env, { bufferSize: 4096 });
      await env.log(`buffer ${fs.bufferSize}, donated ${fs.ram}`);
      ramUsed();
      await fs.writeFile('/big.bin', content);
      const back = await fs.readFile('/big.bin');
      await env.log(`read back ${back.length} bytes, equal: ${back.every((byte, i) => byte === content[i])}`);
      ramUsed();
      const root = await fs.dir('/');
      const file = await fs.file(root, 'big.bin', 'read-write');
      await attempt(env, 'write of 8192 bytes at once', () => fs.session.write(file, 0, 8192));
      await attempt(env, 'read of 2^40 bytes at once', () => fs.session.read(file, 0, 2 ** 40));
      await attempt(env, 'read of 2^40 bytes in chunks', async () => (await fs.read(file, 299_990, 2 ** 40)).length);
      await fs.close();
      ramUsed();
    });
    const system = await runFs({
      lxFsConfig: config,
      base,
      clients: { client },
      wrapLxFs: (module) => ({
        construct(env) {
          server = env;
          return module.construct(env);
        },
      }),
    });
    expect(system.exitValue).toBe(0);
    expect(linesOf(system.lines, 'client')).toEqual([
      'buffer 4096, donated 20480',
      'read back 300001 bytes, equal: true',
      'write of 8192 bytes at once: InvalidArgument: write to "/big.bin": length 8192 is not from 0 to the ' +
        "session's buffer of 4096 bytes; move more in several calls",
      'read of 2^40 bytes at once: InvalidArgument: read of "/big.bin": length 1099511627776 is not from 0 to the ' +
        "session's buffer of 4096 bytes; move more in several calls",
      'read of 2^40 bytes in chunks: 11',
    ]);
    expect(Buffer.compare(readFileSync(join(base, 'data', 'big.bin')), content)).toBe(0);
    const [before, open, afterIo, closed] = used;
    // the session's buffer is the one thing the server allocated for it; 300 KB went through it
    expect((open as number) - (before as number)).toBe(4096);
    expect(afterIo).toBe(open);
    expect(closed).toBe(before);
  });

  it('refuses a donation short of the buffer, and handles beyond the donation until an upgrade', async () => {
    const base = temporaryDirectory();
    const client = script(async (env) => {
      await attempt(env, 'a 64K buffer for 16K', () =>
        rawSessionRefusal(env, 'File_system', { ram_quota: 16384, cap_quota: 2, tx_buf_size: 65536 }),
      );
      await attempt(env, 'one capability', () =>
        rawSessionRefusal(env, 'File_system', { ram_quota: 81920, cap_quota: 1, tx_buf_size: 65536 }),
      );
      const fs = await FileSystem.Connection.open(env, { bufferSize: 4096 });
      await fs.mkdir('/d');
      const handles = [];
      for (let i = 0; i < 16; i++) handles.push(await fs.dir('/d'));
      await attempt(env, '17th handle', () => fs.dir('/d'));
      await fs.upgrade({ ram: 4096 });
      for (let i = 0; i < 4; i++) handles.push(await fs.dir('/d'));
      await attempt(env, '21st handle after an upgrade of 4K', () => fs.node('/d'));
      await fs.closeHandle(handles[0] as never);
      await attempt(env, 'after closing one', async () => typeof (await fs.node('/d')));
    });
    const system = await runFs({ lxFsConfig: config, base, clients: { client } });
    expect(system.exitValue).toBe(0);
    expect(linesOf(system.lines, 'client')).toEqual([
      'a 64K buffer for 16K: InsufficientRamQuota: File_system "client": a File_system session needs 80K of RAM (a ' +
        'buffer of 65536 bytes, page-rounded, and 1024 bytes for each of 16 handles), the request donated 16K',
      'one capability: InsufficientCapQuota: File_system "client": a File_system session needs 2 capabilities, the ' +
        'request donated 1',
      '17th handle: OutOfRam: dir "/d": the session holds 16 handles, all its donation pays for; close one, or ' +
        'upgrade the session',
      '21st handle after an upgrade of 4K: OutOfRam: node "/d": the session holds 20 handles, all its donation pays ' +
        'for; close one, or upgrade the session',
      'after closing one: number',
    ]);
  });
});

describe(`lx_fs on ${kernel}: bad arguments`, () => {
  it('refuses bad positions, sizes and handles with typed errors naming the path', async () => {
    const base = temporaryDirectory();
    const client = script(async (env) => {
      const fs = await FileSystem.Connection.open(env, { bufferSize: 4096 });
      const other = await FileSystem.Connection.open(env, { bufferSize: 4096 });
      const s = fs.session;
      await fs.writeFile('/notes.txt', 'notes');
      const root = await fs.dir('/');
      const file = await fs.file(root, 'notes.txt', 'read-write');
      await attempt(env, 'read at -1', () => s.read(file, -1, 10));
      await attempt(env, 'read at 0.5', () => s.read(file, 0.5, 10));
      await attempt(env, 'read of NaN bytes', () => s.read(file, 0, Number.NaN));
      await attempt(env, 'read of -5 bytes', () => s.read(file, 0, -5));
      await attempt(env, 'write at 2^53', () => s.write(file, 2 ** 53, 1));
      await attempt(env, 'write at 2^53 - 1', () => s.write(file, 2 ** 53 - 1, 1));
      await attempt(env, 'truncate to -1', () => s.truncate(file, -1));
      await attempt(env, 'truncate to Infinity', () => s.truncate(file, Number.POSITIVE_INFINITY));
      await attempt(env, 'client read at -1', () => fs.read(file, -1, 1));
      await attempt(env, 'a file handle as a dir', () => s.file(file, 'x', 'read-only', false));
      await attempt(env, 'a dir handle as a file', () => s.read(root, 0, 1));
      await attempt(env, 'handle 0', () => s.status(0));
      await attempt(env, "another session's handle", () => other.session.read(file, 0, 1));
      await attempt(env, "another session's dir", () => other.session.entries(root, 0));
      await fs.closeHandle(file);
      await attempt(env, 'a closed handle', () => s.read(file, 0, 1));
      await attempt(env, 'closing it again', () => s.close(file));
      await attempt(env, 'reading through the client', () => fs.readText('/notes.txt'));
      await attempt(env, 'unlink of a missing file', () => fs.unlink(root, 'missing'));
      await attempt(env, 'unlink of the root', () => fs.remove('/'));
      await attempt(env, 'mkdir of an existing one', async () => {
        await fs.mkdir('/dir');
        await fs.writeFile('/dir/x', 'x');
        await fs.mkdir('/dir');
      });
      await attempt(env, 'unlink of a full directory', () => fs.unlink(root, 'dir'));
      await attempt(env, 'move of a directory into itself', async () => {
        const dir = await fs.dir('/dir');
        await fs.move(root, 'dir', dir, 'inner');
      });
      await attempt(env, 'file on a directory', () => fs.readFile('/dir'));
      await attempt(env, 'create over an existing file', () => s.file(root, 'notes.txt', 'write-only', true));
      await attempt(env, 'entries of a closed session', async () => {
        await other.close();
        return other.session.entries(root, 0).catch((error: Error) => {
          throw new Error(error.name);
        });
      });
    });
    const system = await runFs({ lxFsConfig: config, base, clients: { client } });
    expect(system.exitValue).toBe(0);
    const notANumber = (op: string, value: string) =>
      `${op}: position ${value} is not a byte offset (a whole number from 0 to 2^53 - 1)`;
    const badLength = (op: string, value: string) =>
      `${op}: length ${value} is not from 0 to the session's buffer of 4096 bytes; move more in several calls`;
    expect(linesOf(system.lines, 'client')).toEqual([
      `read at -1: InvalidArgument: ${notANumber('read of "/notes.txt"', '-1')}`,
      `read at 0.5: InvalidArgument: ${notANumber('read of "/notes.txt"', '0.5')}`,
      `read of NaN bytes: InvalidArgument: ${badLength('read of "/notes.txt"', 'NaN')}`,
      `read of -5 bytes: InvalidArgument: ${badLength('read of "/notes.txt"', '-5')}`,
      `write at 2^53: InvalidArgument: ${notANumber('write to "/notes.txt"', '9007199254740992')}`,
      'write at 2^53 - 1: InvalidArgument: write to "/notes.txt": position 9007199254740991 plus length 1 passes ' +
        '2^53 - 1',
      `truncate to -1: InvalidArgument: ${notANumber('truncate of "/notes.txt"', '-1')}`,
      `truncate to Infinity: InvalidArgument: ${notANumber('truncate of "/notes.txt"', 'Infinity')}`,
      'client read at -1: InvalidArgument: position -1 and length 1 must be whole numbers from 0 to 2^53 - 1 (bytes)',
      // writeFile had handles 1 and 2: the server numbers handles across its sessions, never reusing one soon
      'a file handle as a dir: InvalidHandle: file: handle 4 is a file handle of "/notes.txt", not a dir handle',
      'a dir handle as a file: InvalidHandle: read: handle 3 is a dir handle of "/", not a file handle',
      'handle 0: InvalidHandle: status: handle 0 is not open in this session (closed, never opened, or another ' +
        "session's)",
      "another session's handle: InvalidHandle: read: handle 4 is not open in this session (closed, never opened, " +
        "or another session's)",
      "another session's dir: InvalidHandle: entries: handle 3 is not open in this session (closed, never opened, " +
        "or another session's)",
      'a closed handle: InvalidHandle: read: handle 4 is not open in this session (closed, never opened, or ' +
        "another session's)",
      'closing it again: InvalidHandle: close: handle 4 is not open in this session (closed, never opened, or ' +
        "another session's)",
      'reading through the client: notes',
      'unlink of a missing file: LookupFailed: unlink of "/missing": no such file or directory',
      'unlink of the root: InvalidName: path "/" is the session\'s root, which has no parent',
      'mkdir of an existing one: NodeAlreadyExists: dir "/dir": a node of that name exists',
      'unlink of a full directory: NotEmpty: unlink of "/dir": the directory is not empty; remove what is in it first',
      'move of a directory into itself: InvalidName: move of "/dir" to "/dir/inner": the host refuses the operation ' +
        '(a directory moved into itself?)',
      'file on a directory: LookupFailed: file "/dir": is a directory, not a file',
      'create over an existing file: NodeAlreadyExists: file "/notes.txt": a node of that name exists',
      'entries of a closed session: Error: InvalidCapabilityError',
    ]);
  });
});

describe(`lx_fs on ${kernel}: a policy's quota`, () => {
  it('bounds what files below a root hold, counting what is there and what writes, unlinks and moves do', async () => {
    const base = temporaryDirectory();
    mkdirSync(join(base, 'data'));
    writeFileSync(join(base, 'data', 'there-before.bin'), new Uint8Array(2000));
    const client = script(async (env) => {
      const fs = await FileSystem.Connection.open(env, { bufferSize: 4096 });
      await attempt(env, '5000 bytes', () => fs.writeFile('/a.bin', new Uint8Array(5000)));
      await attempt(env, '2000 bytes more', () => fs.writeFile('/b.bin', new Uint8Array(2000)));
      await attempt(env, 'overwriting a.bin in place', () => fs.writeFile('/a.bin', new Uint8Array(5000)));
      await attempt(env, 'a.bin grown by truncate', async () => {
        const root = await fs.dir('/');
        await fs.truncate(await fs.file(root, 'a.bin', 'read-write'), 9000);
      });
      await attempt(env, 'the earlier file removed, then 2000 bytes', async () => {
        await fs.remove('/there-before.bin');
        await fs.writeFile('/b.bin', new Uint8Array(2000));
      });
      await attempt(env, 'a.bin moved over b.bin, then 2000 bytes', async () => {
        await fs.rename('/a.bin', '/b.bin');
        await fs.writeFile('/c.bin', new Uint8Array(2000));
      });
      const other = await FileSystem.Connection.open(env, { label: 'other', bufferSize: 4096 });
      await attempt(env, 'another session on the root, 1000 bytes more', () =>
        other.writeFile('/d.bin', new Uint8Array(1000)),
      );
      await attempt(env, 'and 193 bytes more', () => fs.writeFile('/e.bin', new Uint8Array(193)));
    });
    const system = await runFs({
      lxFsConfig: '<config> <default-policy root="data" writeable="yes" quota="8K"/> </config>',
      base,
      clients: { client },
    });
    expect(system.exitValue).toBe(0);
    expect(linesOf(system.lines, 'client')).toEqual([
      '5000 bytes: ok',
      '2000 bytes more: NoSpace: write to "/b.bin": the policy\'s quota of 8K has 1192 left, 2000 more were asked; ' +
        'remove files first',
      'overwriting a.bin in place: ok',
      'a.bin grown by truncate: NoSpace: truncate of "/a.bin": the policy\'s quota of 8K has 1192 left, 4000 more ' +
        'were asked; remove files first',
      'the earlier file removed, then 2000 bytes: ok',
      'a.bin moved over b.bin, then 2000 bytes: ok',
      // 5000 (a.bin, now b.bin) + 2000 (c.bin) + 1000 (d.bin): 192 of 8192 left
      'another session on the root, 1000 bytes more: ok',
      'and 193 bytes more: NoSpace: write to "/e.bin": the policy\'s quota of 8K has 192 left, 193 more were asked; ' +
        'remove files first',
    ]);
  });
});
