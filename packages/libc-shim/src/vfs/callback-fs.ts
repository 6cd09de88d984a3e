import { VfsArgumentTypeError, isArgumentError } from './argument-errors.js';
import type { VfsFsCallbacks } from './vfs-fs-callbacks.js';
import type { SyncOperations } from './sync-fs.js';

/**
 * A synchronous `fs` function seen from code that passes whatever the caller passed: it checks its arguments itself.
 */
type Operation = (...args: unknown[]) => unknown;
type Callback = (...values: unknown[]) => void;

/**
 * The callback `fs` functions over the synchronous ones: each runs its operation at once and
 * calls back in a microtask (`queueMicrotask`), as Node calls back after the operation. Argument
 * errors (Node's `ERR_INVALID_ARG_*`) throw synchronously, as Node's do; everything else goes to
 * the callback.
 */
export function createCallbackFs(sync: SyncOperations): VfsFsCallbacks {
  return {
    readFile: withCallback(sync.readFileSync, 1),
    writeFile: withCallback(sync.writeFileSync, 2),
    appendFile: withCallback(sync.appendFileSync, 2),
    readdir: withCallback(sync.readdirSync, 1),
    stat: withCallback((path) => sync.statSync(path), 1),
    lstat: withCallback((path) => sync.lstatSync(path), 1),
    access: withCallback(sync.accessSync, 1),
    mkdir: withCallback(sync.mkdirSync, 1),
    unlink: withCallback(sync.unlinkSync, 1),
    rmdir: withCallback(sync.rmdirSync, 1),
    rename: withCallback(sync.renameSync, 2),
    open: withCallback(sync.openSync, 1),
    read: withCallback(sync.readSync, 2, true),
    write: withCallback(sync.writeSync, 2, true),
    fstat: withCallback(sync.fstatSync, 1),
    close: (fd: number, callback?: unknown) => withCallback(sync.closeSync, 1)(fd, callback ?? throwInMicrotask),
  };
}

/**
 * `operation` with a callback as its last argument, after at least `required` others. `io`: the
 * callback also gets the buffer (the second argument), as `read` and `write` do.
 */
function withCallback(operation: Operation, required: number, io = false): (...args: unknown[]) => void {
  return (...args) => {
    const callback = args.length > required ? args.pop() : undefined;
    if (typeof callback !== 'function') throw new VfsArgumentTypeError('cb', 'of type function', callback);
    const call = callback as Callback;
    let result: unknown;
    try {
      result = operation(...args);
    } catch (error) {
      if (isArgumentError(error)) throw error;
      queueMicrotask(() => call(error));
      return;
    }
    queueMicrotask(() => (io ? call(null, result, args[1]) : result === undefined ? call(null) : call(null, result)));
  };
}

function throwInMicrotask(error: unknown): void {
  if (error !== null) throw error;
}
