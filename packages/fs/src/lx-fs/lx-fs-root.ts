import { pageRound } from '@os/kernel';
import { type Env, RootComponent, type SessionCost, type XmlNode } from '@os/runtime';
import { ServiceDenied, type SessionArgs, type SessionError, type SessionLabel } from '@os/session';
import {
  DEFAULT_NODE_HANDLES,
  DEFAULT_TX_BUF_SIZE,
  FILE_SYSTEM_SERVICE,
  FILE_SYSTEM_SESSION_CAPS,
  MIN_TX_BUF_SIZE,
  NODE_HANDLE_RAM,
  fileSystemSessionRam,
} from '../session-cost.js';
import { ConfinedRoot, hostHasProcFd } from './confined-root.js';
import { openPolicyRoot, readLxFsPolicy } from './lx-fs-policy.js';
import { LxFsSession } from './lx-fs-session.js';
import { HandleNumbers, NodeHandles } from './node-handles.js';
import { StorageQuota, StoredBytes, storedBytes } from './storage-quota.js';

/** What lx_fs's root needs besides its environment. */
export interface LxFsRootOptions {
  /** The config, read at each request (policies). */
  readonly config: () => XmlNode;
  /** The real host directory every policy's root lies in, at each request. */
  readonly directory: () => string;
  /** Writes a line to the server's LOG. */
  readonly log: (line: string) => Promise<void>;
  /** Whether `sync` may wait for the disk off the thread (real time only; see {@link LxFsSession}). Default: no. */
  readonly waitsOnDisk?: boolean;
}

/**
 * lx_fs's File_system root: a session per client whose label has a policy, confined to the policy's root, with a
 * buffer of `tx_buf_size` bytes and as many handles as its donation pays for.
 */
export class LxFsRoot extends RootComponent<LxFsSession> {
  readonly #env: Env;
  readonly #options: LxFsRootOptions;
  readonly #numbers = new HandleNumbers();
  readonly #stored = new Map<string, StoredBytes>();
  readonly #anchored = hostHasProcFd();

  /** Serves File_system sessions on `env`'s entrypoint. */
  constructor(env: Env, options: LxFsRootOptions) {
    super({ service: FILE_SYSTEM_SERVICE, ep: env.ep, config: options.config });
    this.#env = env;
    this.#options = options;
  }

  /** The buffer (page-rounded) and the first handles' RAM; the session object and the buffer's dataspace. */
  protected override sessionCost(args: SessionArgs, label: SessionLabel): SessionCost {
    const size = LxFsRoot.#bufferSize(args, label);
    return {
      ram: fileSystemSessionRam(size),
      caps: FILE_SYSTEM_SESSION_CAPS,
      ramFor:
        `a buffer of ${size} bytes, page-rounded, and ${NODE_HANDLE_RAM} bytes for each of ` +
        `${DEFAULT_NODE_HANDLES} handles`,
    };
  }

  /** Opens a session confined to its policy's root (Root::session). */
  protected override async createSession(
    args: SessionArgs,
    label: SessionLabel,
    policy: XmlNode | null,
  ): Promise<LxFsSession> {
    const what = `${FILE_SYSTEM_SERVICE} "${label.text}"`;
    if (policy === null) throw new ServiceDenied(`${what}: lx_fs serves only sessions its config has a policy for`);
    const rules = readLxFsPolicy(policy, what);
    const { root: hostRoot, created } = openPolicyRoot(this.#options.directory(), rules, what);
    if (created !== undefined) await this.#options.log(`created ${created} for "${label.text}"`);
    const root = new ConfinedRoot(
      hostRoot,
      rules.writeable,
      rules.quota === undefined ? undefined : new StorageQuota(rules.quota, this.#storedBytes(hostRoot)),
      this.#anchored,
    );
    const size = LxFsRoot.#bufferSize(args, label);
    const offered = args.number('ram_quota');
    let session: LxFsSession | undefined;
    const capacity = (): number => {
      const donated = (session === undefined ? undefined : this.donation(session)?.ram) ?? offered;
      return Math.floor((donated - pageRound(size)) / NODE_HANDLE_RAM);
    };
    try {
      session = new LxFsSession(
        this.#env.thread,
        size,
        root,
        new NodeHandles(this.#numbers, capacity),
        this.#options.waitsOnDisk === true,
      );
    } catch (error) {
      this.#releaseStoredBytes(root);
      throw error;
    }
    return session;
  }

  /** Closes the session's handles and frees its buffer (Root::close). */
  protected override destroySession(session: LxFsSession): void {
    session.closeHandles();
    this.#env.thread.dissolve(session.buffer);
    this.#releaseStoredBytes(session.root);
  }

  /** The count of what is stored below `hostRoot`, shared by the sessions with a quota there; counted when new. */
  #storedBytes(hostRoot: string): StoredBytes {
    let stored = this.#stored.get(hostRoot);
    if (stored === undefined) this.#stored.set(hostRoot, (stored = new StoredBytes(storedBytes(hostRoot))));
    stored.sessions++;
    return stored;
  }

  #releaseStoredBytes(root: ConfinedRoot): void {
    const stored = root.quota === undefined ? undefined : this.#stored.get(root.hostPath);
    if (stored !== undefined && --stored.sessions === 0) this.#stored.delete(root.hostPath);
  }

  /** Logs every refusal, as Genode's lx_fs logs a session it denies. */
  protected override async refused(error: SessionError, label: string): Promise<void> {
    await this.#options.log(`Error: denied ${label === '' ? 'a session' : `"${label}"`}: ${error.message}`);
  }

  static #bufferSize(args: SessionArgs, label: SessionLabel): number {
    const size = args.number('tx_buf_size', DEFAULT_TX_BUF_SIZE);
    if (size < MIN_TX_BUF_SIZE)
      throw new ServiceDenied(
        `${FILE_SYSTEM_SERVICE} "${label.text}": tx_buf_size=${size} is less than ${MIN_TX_BUF_SIZE}, the smallest ` +
          'buffer a session may have',
      );
    return size;
  }
}
