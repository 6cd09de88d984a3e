import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { MemoryBackends, Vfs, VfsError, type VfsStats, parseVfsConfig } from '../src/vfs/index.js';

/** A VFS with a `<ram/>` at `/tmp` and a ROM at `/data.txt`. */
function vfsOf(): Vfs {
  return new Vfs(
    parseVfsConfig(XmlNode.parse('<vfs><dir name="tmp"><ram/></dir><rom name="data.txt"/></vfs>')),
    new MemoryBackends({ roms: { 'data.txt': 'rom' } }),
  );
}

/** The arguments of the callback `start` passes its callback to, once it is called. */
function callbackArguments(start: (callback: (...values: unknown[]) => void) => void): Promise<unknown[]> {
  return new Promise((resolve) => start((...values) => resolve(values)));
}

describe('callback functions', () => {
  it('call back after they return, in a microtask', async () => {
    const { fs } = vfsOf();
    const order: string[] = [];
    const done = callbackArguments((callback) => {
      fs.writeFile('/tmp/a', 'x', (error) => {
        order.push('called back');
        callback(error);
      });
      order.push('returned');
    });
    expect(order).toEqual(['returned']);
    expect(await done).toEqual([null]);
    expect(order).toEqual(['returned', 'called back']);
  });

  it('call back error-first with results', async () => {
    const { fs } = vfsOf();
    fs.writeFileSync('/tmp/a', 'content');
    expect(await callbackArguments((callback) => fs.readFile('/tmp/a', 'utf8', callback))).toEqual([null, 'content']);
    const [error, bytes] = await callbackArguments((callback) => fs.readFile('/tmp/a', callback));
    expect([error, bytes instanceof Uint8Array]).toEqual([null, true]);
    expect(await callbackArguments((callback) => fs.readdir('/tmp', callback))).toEqual([null, ['a']]);
    expect(await callbackArguments((callback) => fs.mkdir('/tmp/x/y', { recursive: true }, callback))).toEqual([
      null,
      '/tmp/x',
    ]);
    const [, stats] = await callbackArguments((callback) => fs.stat('/tmp/a', callback));
    expect((stats as VfsStats).size).toBe(7);
    const [, fd] = await callbackArguments((callback) => fs.open('/tmp/a', 'r', callback));
    const buffer = new Uint8Array(4);
    expect(await callbackArguments((callback) => fs.read(fd as number, buffer, 0, 4, null, callback))).toEqual([
      null,
      4,
      buffer,
    ]);
    expect(await callbackArguments((callback) => fs.close(fd as number, callback))).toEqual([null]);
  });

  it('pass failures to the callback, and throw argument errors at once', async () => {
    const { fs } = vfsOf();
    const [error] = await callbackArguments((callback) => fs.unlink('/data.txt', callback));
    expect(error).toBeInstanceOf(VfsError);
    expect(error).toMatchObject({ code: 'EROFS', message: "EROFS: read-only file system, unlink '/data.txt'" });
    expect(() => fs.readFile(42 as unknown as string, () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => (fs.readFile as (path: string) => void)('/tmp/a')).toThrow(
      'The "cb" argument must be of type function. Received undefined',
    );
    expect(() => (fs.readFile as unknown as (path: string, options: string) => void)('/tmp/a', 'utf8')).toThrow(
      'The "cb" argument must be of type function. Received type string (\'utf8\')',
    );
  });

  it('work detached from the fs object', async () => {
    const { writeFileSync, readFile } = vfsOf().fs;
    writeFileSync('/tmp/detached', 'yes');
    expect(await callbackArguments((callback) => readFile('/tmp/detached', 'utf8', callback))).toEqual([null, 'yes']);
  });
});

describe('promises', () => {
  it('settle with the results of the synchronous operations', async () => {
    const vfs = vfsOf();
    const fs = vfs.promises;
    await fs.writeFile('/tmp/p', 'one');
    await fs.appendFile('/tmp/p', ' two');
    expect(await fs.readFile('/tmp/p', 'utf8')).toBe('one two');
    expect(await fs.readFile('/tmp/p')).toEqual(new TextEncoder().encode('one two'));
    expect(await fs.mkdir('/tmp/d')).toBeUndefined();
    await fs.rename('/tmp/p', '/tmp/d/p');
    expect(await fs.readdir('/tmp/d')).toEqual(['p']);
    expect((await fs.readdir('/tmp', { withFileTypes: true })).map((entry) => entry.isDirectory())).toEqual([true]);
    expect((await fs.stat('/tmp/d/p')).size).toBe(7);
    expect((await fs.lstat('/tmp/d')).isDirectory()).toBe(true);
    await fs.access('/tmp/d/p', vfs.fs.constants.R_OK | vfs.fs.constants.W_OK);
    await fs.unlink('/tmp/d/p');
    await fs.rmdir('/tmp/d');
    expect(await fs.readdir('/tmp')).toEqual([]);
    expect(vfs.fs.promises).toBe(fs);
  });

  it('reject with Node-like errors, argument errors too', async () => {
    const fs = vfsOf().promises;
    await expect(fs.readFile('/tmp/none')).rejects.toThrow("ENOENT: no such file or directory, open '/tmp/none'");
    await expect(fs.access('/data.txt', 2)).rejects.toMatchObject({ code: 'EROFS', syscall: 'access' });
    await expect(fs.stat(new URL('file:///x') as unknown as string)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });
});
