import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { MemoryBackends, Vfs, VfsArgumentTypeError, VfsError, type VfsFs, parseVfsConfig } from '../src/vfs/index.js';

const CONFIG = '<vfs><dir name="dev"><log/><rtc/></dir><rom name="data.txt"/><dir name="tmp"><ram/></dir></vfs>';

/** A VFS over `CONFIG` whose RAM holds `ramBudget` bytes, with `/tmp/file` and `/tmp/dir/inner` made. */
function fsOf(ramBudget?: number): VfsFs {
  const vfs = new Vfs(
    parseVfsConfig(XmlNode.parse(CONFIG, 'config')),
    new MemoryBackends({ roms: { 'data.txt': 'rom' }, ramBudget }),
  );
  vfs.fs.writeFileSync('/tmp/file', 'content');
  vfs.fs.mkdirSync('/tmp/dir/inner', { recursive: true });
  return vfs.fs;
}

/** What `operation` threw (it must throw). */
function thrown(operation: () => unknown): unknown {
  try {
    operation();
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to throw');
}

describe("errors look like Node's", () => {
  const fs = fsOf(8192);
  const cases: [string, string, Record<string, unknown>, () => unknown][] = [
    [
      'ENOENT',
      "ENOENT: no such file or directory, open '/tmp/none'",
      { errno: -2, syscall: 'open', path: '/tmp/none' },
      () => fs.readFileSync('/tmp/none'),
    ],
    [
      'ENOENT',
      "ENOENT: no such file or directory, scandir '/none'",
      { errno: -2, syscall: 'scandir', path: '/none' },
      () => fs.readdirSync('/none'),
    ],
    [
      'ENOENT',
      "ENOENT: no such file or directory, stat '/tmp/none/deeper'",
      { syscall: 'stat' },
      () => fs.statSync('/tmp/none/deeper'),
    ],
    [
      'ENOENT',
      "ENOENT: no such file or directory, mkdir '/tmp/a/b'",
      { syscall: 'mkdir' },
      () => fs.mkdirSync('/tmp/a/b'),
    ],
    [
      'ENOENT',
      "ENOENT: no such file or directory, unlink '/tmp/none'",
      { syscall: 'unlink' },
      () => fs.unlinkSync('/tmp/none'),
    ],
    [
      'ENOENT',
      "ENOENT: no such file or directory, rmdir '/tmp/none'",
      { syscall: 'rmdir' },
      () => fs.rmdirSync('/tmp/none'),
    ],
    [
      'ENOENT',
      "ENOENT: no such file or directory, rename '/tmp/none' -> '/tmp/x'",
      { syscall: 'rename', dest: '/tmp/x' },
      () => fs.renameSync('/tmp/none', '/tmp/x'),
    ],
    [
      'ENOENT',
      "ENOENT: no such file or directory, open '/tmp/none'",
      { syscall: 'open' },
      () => fs.openSync('/tmp/none', 'r+'),
    ],
    ['ENOENT', "ENOENT: no such file or directory, open ''", { syscall: 'open', path: '' }, () => fs.readFileSync('')],
    [
      'EACCES',
      "EACCES: permission denied, open '/dev/log'",
      { errno: -13, syscall: 'open' },
      () => fs.readFileSync('/dev/log'),
    ],
    [
      'EACCES',
      "EACCES: permission denied, access '/tmp/file'",
      { syscall: 'access' },
      () => fs.accessSync('/tmp/file', fs.constants.X_OK),
    ],
    [
      'EROFS',
      "EROFS: read-only file system, open '/data.txt'",
      { errno: -30, syscall: 'open' },
      () => fs.writeFileSync('/data.txt', 'x'),
    ],
    [
      'EROFS',
      "EROFS: read-only file system, access '/data.txt'",
      { syscall: 'access' },
      () => fs.accessSync('/data.txt', fs.constants.W_OK),
    ],
    ['EROFS', "EROFS: read-only file system, rmdir '/tmp'", { syscall: 'rmdir' }, () => fs.rmdirSync('/tmp')],
    [
      'ENOSPC',
      'ENOSPC: no space left on device, write',
      { errno: -28, syscall: 'write' },
      () => fs.writeFileSync('/tmp/big', new Uint8Array(10_000)),
    ],
    [
      'EEXIST',
      "EEXIST: file already exists, mkdir '/tmp/dir'",
      { errno: -17, syscall: 'mkdir' },
      () => fs.mkdirSync('/tmp/dir'),
    ],
    [
      'EEXIST',
      "EEXIST: file already exists, mkdir '/tmp/file'",
      { syscall: 'mkdir' },
      () => fs.mkdirSync('/tmp/file', { recursive: true }),
    ],
    [
      'EEXIST',
      "EEXIST: file already exists, open '/tmp/file'",
      { syscall: 'open' },
      () => fs.openSync('/tmp/file', 'wx'),
    ],
    [
      'EEXIST',
      "EEXIST: file already exists, open '/tmp/file'",
      { syscall: 'open' },
      () => fs.writeFileSync('/tmp/file', 'x', { flag: 'wx' }),
    ],
    [
      'ENOTDIR',
      "ENOTDIR: not a directory, scandir '/tmp/file'",
      { errno: -20, syscall: 'scandir' },
      () => fs.readdirSync('/tmp/file'),
    ],
    [
      'ENOTDIR',
      "ENOTDIR: not a directory, open '/tmp/file/'",
      { syscall: 'open' },
      () => fs.readFileSync('/tmp/file/'),
    ],
    [
      'ENOTDIR',
      "ENOTDIR: not a directory, open '/tmp/file/x'",
      { syscall: 'open' },
      () => fs.writeFileSync('/tmp/file/x', 'y'),
    ],
    [
      'ENOTDIR',
      "ENOTDIR: not a directory, mkdir '/tmp/file/x'",
      { syscall: 'mkdir' },
      () => fs.mkdirSync('/tmp/file/x', { recursive: true }),
    ],
    ['ENOTDIR', "ENOTDIR: not a directory, rmdir '/tmp/file'", { syscall: 'rmdir' }, () => fs.rmdirSync('/tmp/file')],
    [
      'ENOTDIR',
      "ENOTDIR: not a directory, rename '/tmp/dir' -> '/tmp/file'",
      { syscall: 'rename' },
      () => fs.renameSync('/tmp/dir', '/tmp/file'),
    ],
    [
      'EISDIR',
      'EISDIR: illegal operation on a directory, read',
      { errno: -21, syscall: 'read' },
      () => fs.readFileSync('/tmp/dir'),
    ],
    [
      'EISDIR',
      "EISDIR: illegal operation on a directory, open '/tmp/dir'",
      { syscall: 'open', path: '/tmp/dir' },
      () => fs.writeFileSync('/tmp/dir', 'x'),
    ],
    [
      'EISDIR',
      "EISDIR: illegal operation on a directory, unlink '/tmp/dir'",
      { syscall: 'unlink' },
      () => fs.unlinkSync('/tmp/dir'),
    ],
    [
      'EISDIR',
      "EISDIR: illegal operation on a directory, rename '/tmp/file' -> '/tmp/dir'",
      { syscall: 'rename' },
      () => fs.renameSync('/tmp/file', '/tmp/dir'),
    ],
    [
      'ENOTEMPTY',
      "ENOTEMPTY: directory not empty, rmdir '/tmp/dir'",
      { errno: -39, syscall: 'rmdir' },
      () => fs.rmdirSync('/tmp/dir'),
    ],
    [
      'EXDEV',
      "EXDEV: cross-device link not permitted, rename '/tmp/file' -> '/file'",
      { errno: -18, syscall: 'rename' },
      () => fs.renameSync('/tmp/file', '/file'),
    ],
    [
      'EBADF',
      'EBADF: bad file descriptor, read',
      { errno: -9, syscall: 'read' },
      () => fs.readSync(99, new Uint8Array(1)),
    ],
    ['EBADF', 'EBADF: bad file descriptor, write', { syscall: 'write' }, () => fs.writeSync(99, 'x')],
    ['EBADF', 'EBADF: bad file descriptor, close', { syscall: 'close' }, () => fs.closeSync(99)],
    ['EBADF', 'EBADF: bad file descriptor, fstat', { syscall: 'fstat' }, () => fs.fstatSync(99)],
    [
      'EINVAL',
      "EINVAL: invalid argument, rename '/tmp/dir' -> '/tmp/dir/inner/x'",
      { errno: -22, syscall: 'rename' },
      () => fs.renameSync('/tmp/dir', '/tmp/dir/inner/x'),
    ],
  ];

  it.each(cases)('%s: %s', (code, message, fields, operation) => {
    const error = thrown(operation);
    expect(error).toBeInstanceOf(VfsError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code, message, ...fields });
    expect((error as Error).name).toBe('Error');
    expect(String(error)).toBe(`Error: ${message}`);
  });

  it('leaves path out of the errors about descriptors, as Node does', () => {
    const error = thrown(() => fs.readSync(99, new Uint8Array(1)));
    expect(Object.keys(error as object)).toEqual(['errno', 'code', 'syscall']);
    expect(Object.keys(thrown(() => fs.renameSync('/a', '/b')) as object)).toEqual([
      'errno',
      'code',
      'syscall',
      'path',
      'dest',
    ]);
  });

  it('names the path as the caller wrote it', () => {
    expect(thrown(() => fs.readFileSync('tmp//none/../none'))).toMatchObject({
      path: 'tmp//none/../none',
      message: "ENOENT: no such file or directory, open 'tmp//none/../none'",
    });
  });
});

describe('argument errors', () => {
  const fs = fsOf();

  it('refuse URLs, Buffers and other non-strings as paths with ERR_INVALID_ARG_TYPE', () => {
    const url = new URL('file:///tmp/file');
    expect(() => fs.readFileSync(url as unknown as string)).toThrow(TypeError);
    expect(thrown(() => fs.readFileSync(url as unknown as string))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'The "path" argument must be of type string. Received an instance of URL',
    });
    expect(thrown(() => fs.statSync(new Uint8Array(2) as unknown as string))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'The "path" argument must be of type string. Received an instance of Uint8Array',
    });
    expect(thrown(() => fs.writeFileSync(42 as unknown as string, 'x'))).toMatchObject({
      message: 'The "path" argument must be of type string. Received type number (42)',
    });
    expect(thrown(() => fs.readdirSync(undefined as unknown as string))).toBeInstanceOf(VfsArgumentTypeError);
    expect(thrown(() => fs.renameSync('/tmp/file', null as unknown as string))).toMatchObject({
      message: 'The "newPath" argument must be of type string. Received null',
    });
    expect(fs.existsSync(url)).toBe(false);
  });

  it('refuse unknown flags and encodings, bad data and NUL bytes', () => {
    expect(thrown(() => fs.openSync('/tmp/file', 'rw'))).toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message: "The argument 'flags' is invalid. Received 'rw'",
    });
    expect(thrown(() => fs.readFileSync('/tmp/file', 'hex' as 'utf8'))).toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message: "The argument 'encoding' is invalid encoding. Received 'hex'",
    });
    expect(thrown(() => fs.writeFileSync('/tmp/file', 42 as unknown as string))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message:
        'The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ' +
        'type number (42)',
    });
    expect(thrown(() => fs.readFileSync('/tmp/a\0b'))).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(thrown(() => fs.readSync(-1, new Uint8Array(1)))).toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    expect(thrown(() => fs.readSync('3' as unknown as number, new Uint8Array(1)))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'The "fd" argument must be of type number. Received type string (\'3\')',
    });
  });
});
