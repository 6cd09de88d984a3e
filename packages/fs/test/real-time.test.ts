import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';
import { type DirHandle, FileSystem } from '../src/index.js';
import { attempt, linesOf, runFs, script, temporaryDirectory } from './fixtures.js';

const kernel = kernelUnderTest().name;
const config = '<config> <policy label="writer" root="/" writeable="yes"/> </config>';

/** `count` chunks of 4 KiB, each filled with byte `fill + index`, as one file's content. */
function content(fill: number, count: number): Uint8Array {
  const bytes = new Uint8Array(count * 4096);
  for (let index = 0; index < count; index++) bytes.fill(fill + index, index * 4096, (index + 1) * 4096);
  return bytes;
}

describe(`lx_fs on ${kernel}, real time: sync waits for the disk off the thread`, () => {
  it('keeps each write as its caller filled the buffer while other calls wait for a sync', async () => {
    const base = temporaryDirectory();
    const writer = script(async (env) => {
      // a buffer of one chunk: every chunk is one write call, each sync a wait on the disk between them
      const fs = await FileSystem.Connection.open(env, { bufferSize: 4096 });
      const dir = await fs.dir('/');
      const writeSynced = async (directory: DirHandle, name: string, bytes: Uint8Array) => {
        const file = await fs.file(directory, name, 'write-only', true);
        for (let chunk = 0; chunk < bytes.length / 4096; chunk++) {
          await fs.write(file, chunk * 4096, bytes.subarray(chunk * 4096, (chunk + 1) * 4096));
          await fs.sync(file);
        }
        await fs.closeHandle(file);
      };
      // three writers at once through the one connection
      await attempt(env, 'written', async () => {
        await Promise.all([
          writeSynced(dir, 'a', content(10, 4)),
          writeSynced(dir, 'b', content(50, 4)),
          writeSynced(dir, 'c', content(90, 4)),
        ]);
        await fs.sync(dir);
      });
      await attempt(env, 'read back', async () =>
        (await Promise.all(['/a', '/b', '/c'].map((path) => fs.readFile(path)))).map((bytes) =>
          [0, 1, 2, 3].map((index) => bytes[index * 4096]).join(','),
        ),
      );
      await fs.close();
    });
    const system = await runFs({ lxFsConfig: config, base, clients: { writer }, realTime: true });
    expect(system.exitValue).toBe(0);
    expect(linesOf(system.lines, 'writer')).toEqual([
      'written: ok',
      'read back: ["10,11,12,13","50,51,52,53","90,91,92,93"]',
    ]);
    expect(readFileSync(join(base, 'b'))).toEqual(Buffer.from(content(50, 4)));
  });
});
