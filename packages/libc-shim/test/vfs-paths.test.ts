import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { MemoryBackends, Vfs, parseVfsConfig } from '../src/vfs/index.js';

/** A VFS with a `<ram/>` at `/tmp` and at `/home/user`, its cwd at `cwd`. */
function vfsOf(cwd?: string): Vfs {
  const config = parseVfsConfig(
    XmlNode.parse(
      '<vfs><dir name="tmp"><ram/></dir><dir name="home"><dir name="user"><ram/></dir></dir><inline ' +
        'name="top">t</inline></vfs>',
    ),
  );
  return new Vfs(config, new MemoryBackends(), { cwd });
}

describe('paths', () => {
  it('resolve relative paths against the cwd, "/" by default', () => {
    const vfs = vfsOf();
    expect(vfs.cwd()).toBe('/');
    expect(vfs.fs.readFileSync('top', 'utf8')).toBe('t');
    const home = vfsOf('/home/user');
    home.fs.writeFileSync('notes.txt', 'mine');
    expect(home.fs.readFileSync('/home/user/notes.txt', 'utf8')).toBe('mine');
    expect(home.fs.readdirSync('.')).toEqual(['notes.txt']);
    expect(home.fs.readFileSync('../../top', 'utf8')).toBe('t');
  });

  it('normalise ".", ".." and duplicate slashes, and stop ".." at the root', () => {
    const { fs } = vfsOf();
    fs.writeFileSync('/tmp/a', 'A');
    expect(fs.readFileSync('//tmp/./b/../a', 'utf8')).toBe('A');
    expect(fs.readFileSync('/../../tmp//a', 'utf8')).toBe('A');
    expect(fs.readdirSync('/tmp/')).toEqual(['a']);
    expect(fs.statSync('/tmp/.').isDirectory()).toBe(true);
  });

  it('follow chdir, which refuses what is no directory', () => {
    const vfs = vfsOf('/tmp');
    vfs.chdir('../home/user');
    expect(vfs.cwd()).toBe('/home/user');
    vfs.fs.mkdirSync('sub');
    vfs.chdir('sub');
    vfs.fs.writeFileSync('f', 'deep');
    expect(vfs.fs.readFileSync('/home/user/sub/f', 'utf8')).toBe('deep');
    expect(() => vfs.chdir('/top')).toThrow("ENOTDIR: not a directory, chdir '/top'");
    expect(() => vfs.chdir('/none')).toThrow("ENOENT: no such file or directory, chdir '/none'");
    expect(vfs.cwd()).toBe('/home/user/sub');
  });

  it('name the first directory recursive mkdir created as the caller wrote the path', () => {
    const vfs = vfsOf('/tmp');
    expect(vfs.fs.mkdirSync('a/b/c', { recursive: true })).toBe('a');
    expect(vfs.fs.mkdirSync('a/b/c/d/e/', { recursive: true })).toBe('a/b/c/d');
    expect(vfs.fs.existsSync('/tmp/a/b/c/d/e')).toBe(true);
  });
});
