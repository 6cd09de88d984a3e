import type { VfsFsPromises } from './vfs-fs-promises.js';
import type { SyncOperations } from './sync-fs.js';

/**
 * A synchronous `fs` function seen from code that passes whatever the caller passed: it checks its arguments itself.
 */
type Operation = (...args: unknown[]) => unknown;

/**
 * The `fs/promises` functions over the synchronous ones: each runs its operation at once and
 * settles the promise with its result or error (so a caller awaiting it resumes after the
 * operation, as with Node).
 */
export function createPromisesFs(sync: SyncOperations): VfsFsPromises {
  // The casts narrow a union result to what each overload promises for its options, as the
  // synchronous function does at run time.
  return {
    readFile: promised(sync.readFileSync) as VfsFsPromises['readFile'],
    writeFile: promised(sync.writeFileSync) as VfsFsPromises['writeFile'],
    appendFile: promised(sync.appendFileSync) as VfsFsPromises['appendFile'],
    readdir: promised(sync.readdirSync) as VfsFsPromises['readdir'],
    stat: promised((path) => sync.statSync(path)) as VfsFsPromises['stat'],
    lstat: promised((path) => sync.lstatSync(path)) as VfsFsPromises['lstat'],
    mkdir: promised(sync.mkdirSync) as VfsFsPromises['mkdir'],
    unlink: promised(sync.unlinkSync) as VfsFsPromises['unlink'],
    rmdir: promised(sync.rmdirSync) as VfsFsPromises['rmdir'],
    rename: promised(sync.renameSync) as VfsFsPromises['rename'],
    access: promised(sync.accessSync) as VfsFsPromises['access'],
  };
}

function promised(operation: Operation): (...args: unknown[]) => Promise<unknown> {
  return async (...args) => operation(...args);
}
