import { XmlError } from '@os/runtime';

/**
 * A `<vfs>` node the VFS cannot build: an unknown file-system type, a missing or unusable name,
 * two entries of one name. An `XmlError` of its own code (`ERR_OS_VFS_CONFIG`): the message starts
 * with `origin:line:` so the fix is one look away.
 */
export class VfsConfigError extends XmlError {}
