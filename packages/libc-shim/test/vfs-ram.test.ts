import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { MemoryBackends, type MemoryBackendsOptions, Vfs, parseVfsConfig } from '../src/vfs/index.js';

const CONFIG =
  '<vfs><dir name="dev"><log/><null/></dir><rom name="data.txt"/><dir name="tmp"><ram/><inline ' +
  'name="motd">hello</inline></dir><ram/></vfs>';

/** A VFS over `xml` with in-memory backends. */
function vfsOf(xml = CONFIG, options: MemoryBackendsOptions = {}) {
  const backends = new MemoryBackends({ roms: { 'data.txt': 'rom data' }, ...options });
  const vfs = new Vfs(parseVfsConfig(XmlNode.parse(xml, 'config')), backends);
  return { vfs, fs: vfs.fs, backends };
}

describe('<ram/> file systems', () => {
  it('round-trips text and bytes, and returns a Uint8Array without an encoding', () => {
    const { fs } = vfsOf();
    fs.writeFileSync('/tmp/a.txt', 'grüße');
    expect(fs.readFileSync('/tmp/a.txt', 'utf8')).toBe('grüße');
    expect(fs.readFileSync('/tmp/a.txt', { encoding: 'utf-8' })).toBe('grüße');
    const bytes = fs.readFileSync('/tmp/a.txt');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.constructor).toBe(Uint8Array);
    expect([...bytes]).toEqual([...new TextEncoder().encode('grüße')]);
    fs.writeFileSync('/tmp/b.bin', new Uint8Array([0, 1, 255]));
    expect([...fs.readFileSync('/tmp/b.bin')]).toEqual([0, 1, 255]);
  });

  it('hands out copies: changing a read result or the written array leaves the file alone', () => {
    const { fs } = vfsOf();
    const data = new Uint8Array([1, 2, 3]);
    fs.writeFileSync('/tmp/c', data);
    data[0] = 9;
    fs.readFileSync('/tmp/c')[1] = 9;
    expect([...fs.readFileSync('/tmp/c')]).toEqual([1, 2, 3]);
  });

  it('appends, creating the file first', () => {
    const { fs } = vfsOf();
    fs.appendFileSync('/tmp/log.txt', 'one\n');
    fs.appendFileSync('/tmp/log.txt', new TextEncoder().encode('two\n'));
    expect(fs.readFileSync('/tmp/log.txt', 'utf8')).toBe('one\ntwo\n');
  });

  it('lists a directory as the union of the config entries and the <ram/> content', () => {
    const { fs } = vfsOf();
    fs.writeFileSync('/tmp/new.txt', 'x');
    fs.mkdirSync('/tmp/sub');
    expect(fs.readdirSync('/tmp')).toEqual(['motd', 'new.txt', 'sub']);
    fs.writeFileSync('/top.txt', 'at the root');
    expect(fs.readdirSync('/')).toEqual(['dev', 'data.txt', 'tmp', 'top.txt']);
    const dirents = fs.readdirSync('/tmp', { withFileTypes: true });
    expect(dirents.map((entry) => [entry.name, entry.isFile(), entry.isDirectory()])).toEqual([
      ['motd', true, false],
      ['new.txt', true, false],
      ['sub', false, true],
    ]);
    expect(
      fs.readdirSync('/dev', { withFileTypes: true }).map((entry) => [entry.name, entry.isCharacterDevice()]),
    ).toEqual([
      ['log', true],
      ['null', true],
    ]);
  });

  it('creates, nests and removes directories', () => {
    const { fs } = vfsOf();
    expect(fs.mkdirSync('/tmp/a/b/c', { recursive: true })).toBe('/tmp/a');
    expect(fs.mkdirSync('/tmp/a/b/c', { recursive: true })).toBeUndefined();
    expect(fs.mkdirSync('/tmp/d')).toBeUndefined();
    expect(fs.statSync('/tmp/a/b/c').isDirectory()).toBe(true);
    fs.writeFileSync('/tmp/a/b/c/f', 'deep');
    expect(fs.readFileSync('/tmp/a/b/c/f', 'utf8')).toBe('deep');
    expect(() => fs.rmdirSync('/tmp/a/b/c')).toThrow(expect.objectContaining({ code: 'ENOTEMPTY' }));
    fs.unlinkSync('/tmp/a/b/c/f');
    fs.rmdirSync('/tmp/a/b/c');
    expect(fs.existsSync('/tmp/a/b/c')).toBe(false);
    expect(fs.readdirSync('/tmp/a/b')).toEqual([]);
  });

  it('renames files and directories within one <ram/>, replacing a file at the target', () => {
    const { fs, backends } = vfsOf();
    fs.writeFileSync('/tmp/a', 'A');
    fs.writeFileSync('/tmp/b', 'B');
    fs.renameSync('/tmp/a', '/tmp/b');
    expect(fs.readdirSync('/tmp')).toEqual(['motd', 'b']);
    expect(fs.readFileSync('/tmp/b', 'utf8')).toBe('A');
    expect(backends.ram.liveBlocks()).toHaveLength(1);
    fs.mkdirSync('/tmp/dir');
    fs.renameSync('/tmp/b', '/tmp/dir/b');
    fs.renameSync('/tmp/dir', '/tmp/moved');
    expect(fs.readFileSync('/tmp/moved/b', 'utf8')).toBe('A');
    fs.mkdirSync('/tmp/moved/inner');
    fs.renameSync('/tmp/moved/inner', '/tmp/inner');
    expect(fs.readdirSync('/tmp')).toEqual(['motd', 'moved', 'inner']);
  });

  it("refuses to rename across file systems (EXDEV) and to move the config's entries (EROFS)", () => {
    const { fs } = vfsOf();
    fs.writeFileSync('/tmp/a', 'A');
    expect(() => fs.renameSync('/tmp/a', '/a')).toThrow(
      "EXDEV: cross-device link not permitted, rename '/tmp/a' -> '/a'",
    );
    expect(() => fs.renameSync('/tmp/motd', '/tmp/m')).toThrow(
      "EROFS: read-only file system, rename '/tmp/motd' -> '/tmp/m'",
    );
    expect(() => fs.renameSync('/data.txt', '/d')).toThrow(
      expect.objectContaining({ code: 'EROFS', syscall: 'rename', path: '/data.txt', dest: '/d' }),
    );
    expect(() => fs.renameSync('/tmp/a', '/tmp/motd')).toThrow(expect.objectContaining({ code: 'EROFS' }));
  });

  it('creates entries only where a <ram/> is mounted (EROFS elsewhere)', () => {
    const { fs } = vfsOf();
    expect(() => fs.writeFileSync('/dev/new', 'x')).toThrow("EROFS: read-only file system, open '/dev/new'");
    expect(() => fs.mkdirSync('/dev/sub')).toThrow("EROFS: read-only file system, mkdir '/dev/sub'");
    expect(() => fs.openSync('/dev/new', 'w')).toThrow(expect.objectContaining({ code: 'EROFS', syscall: 'open' }));
    expect(fs.readdirSync('/dev')).toEqual(['log', 'null']);
  });

  it('stamps ram files with the clock at their last write', () => {
    const { fs, backends } = vfsOf(CONFIG, { nowMs: 1_000 });
    fs.writeFileSync('/tmp/t', 'x');
    backends.nowMs = 5_000;
    fs.appendFileSync('/tmp/t', 'y');
    const stats = fs.statSync('/tmp/t');
    expect([stats.birthtimeMs, stats.mtimeMs, stats.mtime.getTime(), stats.size]).toEqual([1_000, 5_000, 5_000, 2]);
    expect(stats.isFile()).toBe(true);
    expect(stats.mode).toBe(0o100644);
  });
});

describe('RAM quota', () => {
  it('stores contents in blocks of at least 4 KiB that at least double as the file grows', () => {
    const { fs, backends } = vfsOf();
    fs.writeFileSync('/tmp/f', 'x');
    expect(backends.ram.liveBlocks()).toEqual([4096]);
    fs.appendFileSync('/tmp/f', new Uint8Array(4096));
    expect(backends.ram.liveBlocks()).toEqual([8192]);
    fs.appendFileSync('/tmp/f', new Uint8Array(20_000));
    expect(backends.ram.liveBlocks()).toEqual([24_097]);
    fs.writeFileSync('/tmp/f', 'small again');
    expect(backends.ram.liveBlocks()).toEqual([4096]);
    fs.writeFileSync('/tmp/f', '');
    expect(backends.ram.allocated).toBe(0);
  });

  it('fails with ENOSPC when the quota runs out, keeping the old content', () => {
    const { fs, backends } = vfsOf(CONFIG, { ramBudget: 10_000 });
    fs.writeFileSync('/tmp/f', 'precious');
    const grow = new Uint8Array(9_000);
    expect(() => fs.appendFileSync('/tmp/f', grow)).toThrow('ENOSPC: no space left on device, write');
    expect(fs.readFileSync('/tmp/f', 'utf8')).toBe('precious');
    expect(() => fs.writeFileSync('/tmp/f', grow)).toThrow(
      expect.objectContaining({ code: 'ENOSPC', errno: -28, syscall: 'write' }),
    );
    expect(fs.readFileSync('/tmp/f', 'utf8')).toBe('precious');
    expect(() => fs.writeFileSync('/tmp/g', new Uint8Array(6_000))).toThrow(
      expect.objectContaining({ code: 'ENOSPC' }),
    );
    expect(fs.existsSync('/tmp/g')).toBe(false);
    expect(backends.ram.allocated).toBe(4096);
  });

  it('gives the quota back on unlink, and after the last descriptor of an unlinked file closes', () => {
    const { fs, backends } = vfsOf(CONFIG, { ramBudget: 8192 });
    fs.writeFileSync('/tmp/a', new Uint8Array(5000));
    expect(backends.ram.allocated).toBe(5000);
    fs.unlinkSync('/tmp/a');
    expect(backends.ram.allocated).toBe(0);
    fs.writeFileSync('/tmp/b', new Uint8Array(8000));
    const fd = fs.openSync('/tmp/b', 'r');
    fs.unlinkSync('/tmp/b');
    expect(backends.ram.allocated).toBe(8000);
    const buffer = new Uint8Array(10);
    expect(fs.readSync(fd, buffer)).toBe(10);
    fs.closeSync(fd);
    expect(backends.ram.allocated).toBe(0);
  });

  it('passes any other error of the store through unchanged', () => {
    const failure = new Error('the store is broken');
    const backends = new MemoryBackends();
    const vfs = new Vfs(parseVfsConfig(XmlNode.parse('<vfs><ram/></vfs>')), {
      ...backends,
      rom: () => undefined,
      log: () => {},
      now: () => 0,
      ram: {
        alloc: () => {
          throw failure;
        },
      },
    });
    expect(() => vfs.fs.writeFileSync('/x', 'data')).toThrow(failure);
    expect(vfs.fs.existsSync('/x')).toBe(false);
  });
});
