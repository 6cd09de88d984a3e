import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { XmlNode } from '@os/runtime';
import { ServiceDenied } from '@os/session';
import { checkName } from '../session-path.js';
import { errnoOf } from './host-errors.js';

/** What a session's `<policy>` (or `<default-policy>`) grants: a root below the server's directory, and writes. */
export interface LxFsPolicy {
  /** The root's elements below the server's directory (`root="depot/cache"`: `depot`, `cache`); none: the directory. */
  readonly root: readonly string[];
  /** `writeable="yes"`: the session may write; default no, as Genode's lx_fs. */
  readonly writeable: boolean;
  /** `quota="10M"`: the most bytes the root's files may hold; undefined: no limit but the host's. */
  readonly quota: number | undefined;
  /** How refusals name the policy: `policy (line 3) root="depot"`. */
  readonly described: string;
}

/**
 * Reads a policy node: `root` (relative to the server's directory; a leading `/` means the directory itself, as in
 * Genode's lx_fs, and `..` is refused) and `writeable`. Refuses with `ServiceDenied` naming `session` and the line.
 */
export function readLxFsPolicy(policy: XmlNode, session: string): LxFsPolicy {
  const text = policy.stringAttribute('root', '/');
  const described = `${policy.type} (line ${policy.line}) root="${text}"`;
  const root = text.split('/').filter((element) => element !== '');
  try {
    for (const element of root) checkName(element, described);
  } catch (error) {
    throw new ServiceDenied(
      `${session}: ${(error as Error).message}; a policy's root names a directory below lx_fs's directory`,
    );
  }
  let writeable: boolean;
  let quota: number | undefined;
  try {
    writeable = policy.booleanAttribute('writeable', false);
    quota = policy.attribute('quota') === undefined ? undefined : policy.numberAttribute('quota', 0);
  } catch (error) {
    throw new ServiceDenied(`${session}: ${(error as Error).message}`);
  }
  return { root, writeable, quota, described };
}

/** A policy's root, opened: its real host path, and the host path lx_fs made for it, if it made one. */
export interface OpenedPolicyRoot {
  /** The root's real host path, in the directory and a directory. */
  readonly root: string;
  /** The host directory made because it was missing; undefined when it was there. */
  readonly created: string | undefined;
}

/**
 * The root of `policy` below real directory `directory`. A writeable policy's missing root is made; a
 * read-only one's is refused. A root that leads out of the directory (through a symbolic link), is no directory, or
 * that the host refuses is refused with `ServiceDenied` naming `session` and the policy, never the host path.
 */
export function openPolicyRoot(directory: string, policy: LxFsPolicy, session: string): OpenedPolicyRoot {
  const host = join(directory, ...policy.root);
  let created: string | undefined;
  let real: string;
  try {
    if (lstatSync(host, { throwIfNoEntry: false }) === undefined) {
      if (!policy.writeable)
        throw new ServiceDenied(
          `${session}: the ${policy.described} does not exist, and a read-only policy makes none`,
        );
      mkdirSync(host, { recursive: true, mode: 0o755 });
      created = host;
    }
    real = realpathSync(host);
  } catch (error) {
    const code = errnoOf(error);
    if (code === undefined) throw error;
    throw new ServiceDenied(`${session}: the host refuses the ${policy.described} (${code})`);
  }
  if (real !== directory && !real.startsWith(directory.endsWith(sep) ? directory : directory + sep))
    throw new ServiceDenied(`${session}: the ${policy.described} leads out of lx_fs's directory (a symbolic link)`);
  if (!lstatSync(real).isDirectory()) throw new ServiceDenied(`${session}: the ${policy.described} is no directory`);
  return { root: real, created };
}
