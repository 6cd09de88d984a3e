import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualClock } from '@os/kernel';
import { init } from '@os/init';
import { boot } from '@os/runtime/host';
import { timerDriver } from '@os/timer';
import { kernelUnderTest } from '@os/test-kernels';
import { BinaryLoader, hardenRealm } from '../src/index.js';

/**
 * Boots `config` of a fixture directory on virtual time with the loader; resolves with the exit value and the LOG
 * lines.
 */
export async function bootDirectory(
  directory: string,
  config: string,
  unconfined: string[] = [],
): Promise<{ readonly exit: number | Error; readonly lines: readonly string[] }> {
  await hardenRealm();
  const roms = new Map<string, Uint8Array>();
  for (const name of readdirSync(directory))
    if (statSync(join(directory, name)).isFile()) roms.set(name, new Uint8Array(readFileSync(join(directory, name))));
  roms.set('config', new Uint8Array(readFileSync(join(directory, config))));
  const loader = new BinaryLoader({ directory, builtins: { init, timer: timerDriver }, unconfined });
  const system = await boot(
    { init: 'init', binaries: loader.resolve, roms },
    { kernel: kernelUnderTest().factory, clock: new VirtualClock(1) },
  );
  const exit = await system.exit.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  return { exit, lines: system.lines };
}
