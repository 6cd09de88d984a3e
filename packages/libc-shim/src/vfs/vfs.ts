import { buildStaticTree } from './build-static-tree.js';
import { createCallbackFs } from './callback-fs.js';
import { fsConstants } from './fs-constants.js';
import { createPromisesFs } from './promises-fs.js';
import { createSyncOperations, typedSyncFs } from './sync-fs.js';
import type { VfsBackends } from './vfs-backends.js';
import type { VfsConfig } from './vfs-config.js';
import { VfsCore } from './vfs-core.js';
import { ErrorSite } from './vfs-error.js';
import type { VfsFs } from './vfs-fs.js';
import type { VfsFsPromises } from './vfs-fs-promises.js';
import { existing, rootView } from './vfs-tree.js';

/** Options of a {@link Vfs}. */
export interface VfsOptions {
  /** The directory relative paths start from (Genode's `<libc cwd>`); `/` when absent. */
  readonly cwd?: string | undefined;
}

/**
 * The file system a component's libc builds from its `<vfs>` config, with Node's `fs` over it.
 * Synchronous and in memory: file contents live in the config, the ROMs and `<ram/>` blocks of the
 * component's RAM; nothing here touches the host's file system, `process` or Node's built-ins, so
 * it runs inside a confined compartment.
 *
 * @example
 * ```ts
 * const vfs = new Vfs(parseVfsConfig(XmlNode.parse('<vfs><dir name="tmp"><ram/></dir></vfs>')), backends);
 * vfs.fs.writeFileSync('/tmp/a.txt', 'hello');
 * vfs.fs.readFileSync('/tmp/a.txt', 'utf8'); // 'hello'
 * ```
 */
export class Vfs {
  /** Node's `fs`: synchronous and callback functions, `constants`, `promises`. */
  readonly fs: VfsFs;
  /** Node's `fs/promises`. */
  readonly promises: VfsFsPromises;
  readonly #core: VfsCore;

  /** Builds the tree `config` describes over `backends`. */
  constructor(config: VfsConfig, backends: VfsBackends, options: VfsOptions = {}) {
    let lastIno = 0;
    this.#core = new VfsCore(rootView(buildStaticTree(config, backends, () => ++lastIno)), options.cwd ?? '/');
    const operations = createSyncOperations(this.#core);
    this.promises = createPromisesFs(operations);
    this.fs = {
      ...typedSyncFs(operations),
      ...createCallbackFs(operations),
      constants: fsConstants,
      promises: this.promises,
    };
  }

  /** The current directory (`process.cwd()`). */
  cwd(): string {
    return this.#core.cwd;
  }

  /** Changes the current directory (`process.chdir()`); `ENOENT` or `ENOTDIR` when `path` names no directory. */
  chdir(path: string): void {
    const resolved = this.#core.path(path, 'directory');
    const site = new ErrorSite('chdir', path);
    if (existing(this.#core.root, resolved, site).kind !== 'dir') throw site.error('ENOTDIR');
    this.#core.changeDirectory(resolved);
  }
}
