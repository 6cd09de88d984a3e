// The host-facing part of @os/fs: lx_fs, the one component that holds Node's fs. Only trusted code (`os run`, a
// program that boots a system) imports it; it is never granted to a confined component, which reaches files only
// through a File_system session (the main entry, `@os/fs`).

export { createLxFs, lxFs, type LxFsOptions } from './lx-fs/lx-fs.js';
