import { type FileHandle, FileSystem } from '@os/fs';
import type { Env } from '@os/runtime';

/** Stores a download chunk by chunk in quarantine, moves it into the depot in one step, and exits. */
export async function construct(env: Env): Promise<void> {
  const fs = await FileSystem.Connection.open(env, { label: 'depot', bufferSize: 128 * 1024 });
  await fs.mkdirp('/quarantine');
  await fs.mkdirp('/genodelabs/src');
  const quarantine = await fs.dir('/quarantine');
  const archive: FileHandle = await fs.file(quarantine, 'http_server.tar.gz', 'write-only', true);
  let position = 0;
  for (const chunk of [new Uint8Array(200_000), new Uint8Array(50_000)]) {
    position += await fs.write(archive, position, chunk);
  }
  await fs.sync(archive);
  await fs.closeHandle(archive);
  await fs.closeHandle(quarantine);
  await fs.rename('/quarantine/http_server.tar.gz', '/genodelabs/src/http_server.tar.gz');
  await env.log(`${(await fs.stat('/genodelabs/src/http_server.tar.gz')).size} bytes in the depot`);
  await fs.close();
  await env.parent.exit(0);
}
