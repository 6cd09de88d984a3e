import { errorCode } from '@os/kernel';

/**
 * Base of the depot's errors. Each names the archive (a depot path such as `gapstage/pkg/http_server/2023-01-01`)
 * or file it is about, says why, and what to do; `code` is stable across copies of this package.
 */
export class DepotError extends Error {
  /** Stable code of this failure (`ERR_OS_...`): compare it, not the class, across copies of this package. */
  readonly code: string;

  /** Creates the error; its `name` is the class name. */
  constructor(
    message: string,
    /** The archive (depot path) or file the error is about; empty when it is about none. */
    readonly archive = '',
  ) {
    super(message);
    this.name = new.target.name;
    this.code = errorCode(new.target.name);
  }

  /** The code of this class's errors. */
  static get code(): string {
    return errorCode(this.name);
  }
}

/** An archive path (`user/kind/name/version`) that is malformed: a bad part, a `..`, an unknown kind. */
export class ArchivePathError extends DepotError {}

/** A pkg's `runtime` file that does not parse or lacks what a deploy needs; the message has file and line. */
export class RuntimeFileError extends DepotError {}

/** A pkg archive without an `archives` or `runtime` file, or whose `archives` file names what it may not. */
export class PkgError extends DepotError {}

/** A key that is no Ed25519 key, or a key file that cannot be read or would be overwritten. */
export class DepotKeyError extends DepotError {}

/** An archive whose user has no trusted public key: nothing of that user is accepted. */
export class UnknownUser extends DepotError {}

/** An archive (or its `.sig`) that a pkg needs but was not handed to verification. */
export class MissingArchive extends DepotError {}

/** A detached signature that does not verify with the trusted key of the archive's user. */
export class BadSignature extends DepotError {}

/** A signed archive that is no valid `.tar.gz`: corrupt or truncated gzip, a damaged tar. */
export class CorruptArchive extends DepotError {}

/** A signed archive beyond the extraction limits: too many entries or too many bytes unpacked (a gzip bomb). */
export class ArchiveTooLarge extends DepotError {}

/**
 * A signed archive holding an entry that extraction refuses: an absolute path, a `..`, a symlink or hard link, a
 * device file, a name outside the archive's own folder or given twice.
 */
export class UnsafeEntry extends DepotError {
  /** Creates the refusal of `entry` (the name as written in the tar) in `archive`. */
  constructor(
    message: string,
    archive: string,
    /** The entry's name as written in the tar. */
    readonly entry: string,
  ) {
    super(message, archive);
  }
}

/** `os depot publish` cannot make an archive of a folder, or would overwrite a published version. */
export class PublishError extends DepotError {}
