import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { MemoryBackends, type MemoryBackendsOptions, Vfs, parseVfsConfig, rtcTimestamp } from '../src/vfs/index.js';

const CONFIG = `<vfs>
  <dir name="dev"><log/><rtc/><null/><zero/></dir>
  <rom name="data.txt"/>
  <rom name="alias" label="data.txt"/>
  <rom name="missing"/>
  <inline name="motd">hello, world</inline>
</vfs>`;

/** A VFS over `CONFIG` with in-memory backends. */
function vfsOf(options: MemoryBackendsOptions = {}) {
  const backends = new MemoryBackends({ roms: { 'data.txt': 'first' }, ...options });
  const vfs = new Vfs(parseVfsConfig(XmlNode.parse(CONFIG, 'config')), backends);
  return { fs: vfs.fs, backends };
}

describe('<rom> files', () => {
  it('read the ROM module named by label, defaulting to the name', () => {
    const { fs } = vfsOf();
    expect(fs.readFileSync('/data.txt', 'utf8')).toBe('first');
    expect(fs.readFileSync('/alias', 'utf8')).toBe('first');
    expect(fs.statSync('/data.txt').size).toBe(5);
  });

  it('show a ROM update at the next read and stat, even through an open descriptor', () => {
    const { fs, backends } = vfsOf();
    const fd = fs.openSync('/data.txt', 'r');
    backends.setRom('data.txt', 'second version');
    expect(fs.readFileSync('/data.txt', 'utf8')).toBe('second version');
    expect(fs.statSync('/data.txt').size).toBe(14);
    const buffer = new Uint8Array(6);
    expect(fs.readSync(fd, buffer, 0, 6, 0)).toBe(6);
    expect(new TextDecoder().decode(buffer)).toBe('second');
    fs.closeSync(fd);
  });

  it('are absent while the ROM is not available (ENOENT), and left out of listings', () => {
    const { fs, backends } = vfsOf();
    expect(() => fs.readFileSync('/missing')).toThrow("ENOENT: no such file or directory, open '/missing'");
    expect(() => fs.statSync('/missing')).toThrow("ENOENT: no such file or directory, stat '/missing'");
    expect(fs.existsSync('/missing')).toBe(false);
    expect(fs.readdirSync('/')).toEqual(['dev', 'data.txt', 'alias', 'motd']);
    backends.setRom('missing', 'now here');
    expect(fs.readFileSync('/missing', 'utf8')).toBe('now here');
    expect(fs.readdirSync('/')).toContain('missing');
  });

  it('are read-only: writing, appending, unlinking and renaming give EROFS', () => {
    const { fs } = vfsOf();
    expect(() => fs.writeFileSync('/data.txt', 'x')).toThrow("EROFS: read-only file system, open '/data.txt'");
    expect(() => fs.appendFileSync('/data.txt', 'x')).toThrow("EROFS: read-only file system, open '/data.txt'");
    expect(() => fs.openSync('/data.txt', 'r+')).toThrow(expect.objectContaining({ code: 'EROFS', errno: -30 }));
    expect(() => fs.unlinkSync('/data.txt')).toThrow("EROFS: read-only file system, unlink '/data.txt'");
    expect(() => fs.renameSync('/data.txt', '/other')).toThrow(expect.objectContaining({ code: 'EROFS' }));
    expect(() => fs.writeFileSync('/missing', 'x')).toThrow(expect.objectContaining({ code: 'EROFS' }));
    expect(fs.readFileSync('/data.txt', 'utf8')).toBe('first');
  });
});

describe('<inline> files', () => {
  it('hold the node text, read-only', () => {
    const { fs } = vfsOf();
    expect(fs.readFileSync('/motd', 'utf8')).toBe('hello, world');
    const stats = fs.statSync('/motd');
    expect([stats.isFile(), stats.isCharacterDevice(), stats.size, stats.mode]).toEqual([true, false, 12, 0o100444]);
    expect(() => fs.writeFileSync('/motd', 'x')).toThrow("EROFS: read-only file system, open '/motd'");
  });
});

describe('devices', () => {
  it('<log/> sends each write to the log and refuses reading with EACCES', () => {
    const { fs, backends } = vfsOf();
    fs.writeFileSync('/dev/log', 'line one\n');
    fs.appendFileSync('/dev/log', 'line two\n');
    const fd = fs.openSync('/dev/log', 'w');
    fs.writeSync(fd, 'via fd: ü');
    fs.closeSync(fd);
    expect(backends.logged).toEqual(['line one\n', 'line two\n', 'via fd: ü']);
    expect(() => fs.readFileSync('/dev/log')).toThrow("EACCES: permission denied, open '/dev/log'");
    expect(() => fs.openSync('/dev/log', 'r+')).toThrow(
      expect.objectContaining({ code: 'EACCES', errno: -13, syscall: 'open' }),
    );
  });

  it('<rtc/> reads the wall time as Genode writes it, and refuses writing with EACCES', () => {
    const { fs, backends } = vfsOf({ nowMs: Date.UTC(2026, 3, 7, 9, 5, 3) });
    expect(fs.readFileSync('/dev/rtc', 'utf8')).toBe('2026-04-07 09:05:03\n');
    backends.nowMs = Date.UTC(1999, 11, 31, 23, 59, 59);
    expect(fs.readFileSync('/dev/rtc', 'utf8')).toBe('1999-12-31 23:59:59\n');
    expect(fs.statSync('/dev/rtc').size).toBe(20);
    const fd = fs.openSync('/dev/rtc', 'r');
    const buffer = new Uint8Array(64);
    expect(fs.readSync(fd, buffer, 0, 4, null)).toBe(4);
    expect(fs.readSync(fd, buffer, 4, 60, null)).toBe(16);
    expect(fs.readSync(fd, buffer, 20, 44, null)).toBe(0);
    expect(new TextDecoder().decode(buffer.subarray(0, 20))).toBe('1999-12-31 23:59:59\n');
    expect(() => fs.writeFileSync('/dev/rtc', 'x')).toThrow("EACCES: permission denied, open '/dev/rtc'");
    expect(rtcTimestamp(0)).toBe('1970-01-01 00:00:00\n');
  });

  it('<null/> reads empty and swallows writes', () => {
    const { fs } = vfsOf();
    fs.writeFileSync('/dev/null', 'gone');
    fs.appendFileSync('/dev/null', 'gone too');
    expect(fs.readFileSync('/dev/null')).toEqual(new Uint8Array(0));
    const fd = fs.openSync('/dev/null', 'r+');
    expect(fs.readSync(fd, new Uint8Array(8))).toBe(0);
    expect(fs.writeSync(fd, 'abc')).toBe(3);
    fs.closeSync(fd);
  });

  it('<zero/> fills every read buffer with zeros and swallows writes', () => {
    const { fs } = vfsOf();
    const fd = fs.openSync('/dev/zero', 'r+');
    const buffer = new Uint8Array([1, 2, 3, 4, 5]);
    expect(fs.readSync(fd, buffer)).toBe(5);
    expect([...buffer]).toEqual([0, 0, 0, 0, 0]);
    expect(fs.writeSync(fd, new Uint8Array(100))).toBe(100);
    fs.closeSync(fd);
    const content = fs.readFileSync('/dev/zero');
    expect(content.length).toBe(64 * 1024);
    expect(content.every((byte) => byte === 0)).toBe(true);
  });

  it('are character devices to stat, never symbolic links', () => {
    const { fs } = vfsOf();
    for (const name of ['log', 'rtc', 'null', 'zero']) {
      const stats = fs.statSync(`/dev/${name}`);
      expect([name, stats.isCharacterDevice(), stats.isFile(), stats.isDirectory(), stats.isSymbolicLink()]).toEqual([
        name,
        true,
        false,
        false,
        false,
      ]);
    }
    expect(() => fs.unlinkSync('/dev/null')).toThrow("EROFS: read-only file system, unlink '/dev/null'");
  });
});

describe('stats', () => {
  it('have the fields Node has, with the VFS build time on the config files', () => {
    const { fs } = vfsOf({ nowMs: 1_700_000_000_000 });
    const stats = fs.lstatSync('/data.txt');
    expect(stats).toMatchObject({
      nlink: 1,
      uid: 0,
      gid: 0,
      rdev: 0,
      blksize: 4096,
      blocks: 8,
      size: 5,
      mtimeMs: 1_700_000_000_000,
      atimeMs: 1_700_000_000_000,
    });
    expect(stats.mtime).toEqual(new Date(1_700_000_000_000));
    expect(stats.birthtime).toEqual(new Date(1_700_000_000_000));
    expect(stats.ino).toBeGreaterThan(0);
    expect(fs.statSync('/motd').ino).not.toBe(stats.ino);
    const dir = fs.statSync('/dev');
    expect([dir.isDirectory(), dir.isFile(), dir.mode]).toEqual([true, false, 0o40555]);
    expect(fs.statSync('/nope', { throwIfNoEntry: false })).toBeUndefined();
  });
});
