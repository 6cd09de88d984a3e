import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { MemoryBackends, Vfs, parseVfsConfig } from '../src/vfs/index.js';

/** A VFS with a `<ram/>` at `/tmp` holding `/tmp/f` = "0123456789". */
function vfsOf() {
  const vfs = new Vfs(
    parseVfsConfig(XmlNode.parse('<vfs><dir name="tmp"><ram/></dir><inline name="i">inline</inline></vfs>')),
    new MemoryBackends(),
  );
  vfs.fs.writeFileSync('/tmp/f', '0123456789');
  return vfs.fs;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('file descriptors', () => {
  it('are small numbers from 3, the lowest free one first', () => {
    const fs = vfsOf();
    const a = fs.openSync('/tmp/f');
    const b = fs.openSync('/tmp/f', 'r');
    expect([a, b]).toEqual([3, 4]);
    fs.closeSync(a);
    expect(fs.openSync('/i')).toBe(3);
    expect(() => fs.closeSync(a + 10)).toThrow('EBADF: bad file descriptor, close');
  });

  it('read sequentially from their position, and at a given position without moving it', () => {
    const fs = vfsOf();
    const fd = fs.openSync('/tmp/f', 'r');
    const buffer = new Uint8Array(4);
    expect(fs.readSync(fd, buffer)).toBe(4);
    expect(text(buffer)).toBe('0123');
    expect(fs.readSync(fd, buffer, 0, 2, 8)).toBe(2);
    expect(text(buffer.subarray(0, 2))).toBe('89');
    expect(fs.readSync(fd, buffer, { offset: 1, length: 3 })).toBe(3);
    expect(text(buffer)).toBe('8456');
    expect(fs.readSync(fd, buffer, 0, 4, null)).toBe(3);
    expect(fs.readSync(fd, buffer, 0, 4, null)).toBe(0);
    fs.closeSync(fd);
  });

  it('write in place with r+, positioned or at the position', () => {
    const fs = vfsOf();
    const fd = fs.openSync('/tmp/f', 'r+');
    expect(fs.writeSync(fd, 'ab')).toBe(2);
    expect(fs.writeSync(fd, new TextEncoder().encode('XYZ'), 0, 3, 7)).toBe(3);
    expect(fs.writeSync(fd, 'c')).toBe(1);
    expect(fs.writeSync(fd, 'end', 12)).toBe(3);
    fs.closeSync(fd);
    expect(fs.readFileSync('/tmp/f', 'utf8')).toBe('abc3456XYZ\0\0end');
  });

  it('truncate with w and w+, and create the file', () => {
    const fs = vfsOf();
    const fd = fs.openSync('/tmp/f', 'w');
    expect(fs.fstatSync(fd).size).toBe(0);
    fs.writeSync(fd, 'new');
    expect(() => fs.readSync(fd, new Uint8Array(1))).toThrow('EBADF: bad file descriptor, read');
    fs.closeSync(fd);
    expect(fs.readFileSync('/tmp/f', 'utf8')).toBe('new');
    const fresh = fs.openSync('/tmp/g', 'w+');
    fs.writeSync(fresh, 'hello');
    const buffer = new Uint8Array(5);
    expect(fs.readSync(fresh, buffer, 0, 5, 0)).toBe(5);
    expect(text(buffer)).toBe('hello');
    fs.closeSync(fresh);
  });

  it('append with a and a+ whatever the position says', () => {
    const fs = vfsOf();
    const fd = fs.openSync('/tmp/f', 'a');
    fs.writeSync(fd, 'A', 0);
    fs.writeSync(fd, 'B');
    fs.closeSync(fd);
    const both = fs.openSync('/tmp/f', 'a+');
    fs.writeSync(both, 'C');
    const buffer = new Uint8Array(3);
    expect(fs.readSync(both, buffer, 0, 3, 10)).toBe(3);
    expect(text(buffer)).toBe('ABC');
    fs.closeSync(both);
    expect(fs.readFileSync('/tmp/f', 'utf8')).toBe('0123456789ABC');
  });

  it('refuse an existing file with wx, and writing on a read-only descriptor', () => {
    const fs = vfsOf();
    expect(() => fs.openSync('/tmp/f', 'wx')).toThrow("EEXIST: file already exists, open '/tmp/f'");
    const fd = fs.openSync('/tmp/new', 'wx');
    fs.writeSync(fd, 'x');
    fs.closeSync(fd);
    expect(fs.readFileSync('/tmp/new', 'utf8')).toBe('x');
    const readOnly = fs.openSync('/tmp/f');
    expect(() => fs.writeSync(readOnly, 'x')).toThrow('EBADF: bad file descriptor, write');
    fs.closeSync(readOnly);
    expect(() => fs.writeSync(readOnly, 'x')).toThrow('EBADF: bad file descriptor, write');
  });

  it('take numeric O_ flags', () => {
    const fs = vfsOf();
    const { O_WRONLY, O_CREAT, O_TRUNC } = fs.constants;
    const fd = fs.openSync('/tmp/f', O_WRONLY | O_CREAT | O_TRUNC);
    fs.writeSync(fd, 'numeric');
    fs.closeSync(fd);
    expect(fs.readFileSync('/tmp/f', 'utf8')).toBe('numeric');
  });

  it('open directories read-only, which read as EISDIR', () => {
    const fs = vfsOf();
    const fd = fs.openSync('/tmp');
    expect(fs.fstatSync(fd).isDirectory()).toBe(true);
    expect(() => fs.readSync(fd, new Uint8Array(1))).toThrow('EISDIR: illegal operation on a directory, read');
    fs.closeSync(fd);
    expect(() => fs.openSync('/tmp', 'r+')).toThrow("EISDIR: illegal operation on a directory, open '/tmp'");
  });

  it('check the buffer window as Node does', () => {
    const fs = vfsOf();
    const fd = fs.openSync('/tmp/f');
    expect(() => fs.readSync(fd, new Uint8Array(4), 2, 3)).toThrow(
      expect.objectContaining({
        code: 'ERR_OUT_OF_RANGE',
        message: 'The value of "length" is out of range. It must be >= 0 && <= 2. Received 3',
      }),
    );
    expect(() => fs.readSync(fd, 'text' as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(fs.readSync(fd, new Uint16Array(2))).toBe(4);
    fs.closeSync(fd);
  });
});
