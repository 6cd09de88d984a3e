import { FileSystem } from '@os/fs';
import { Net } from '@os/net';
import { AttachedRomDataspace, type ComponentModule, type Env, Reporter, SignalHandler } from '@os/runtime';
import { Timer } from '@os/timer';
import { type ArchivePath, archiveFileName, signatureFileName } from '../archive-path.js';
import type { DepotTrust } from '../depot-trust.js';
import { MissingArchive, UnknownUser } from '../errors.js';
import { CheckedArchives, type SignedArchive, missingArchives, verifyPkg } from '../verify-pkg.js';
import { backoffDelayMs } from './backoff.js';
import { type DownloadConfig, parseDownloadConfig } from './download-config.js';
import { DepotUnreachable } from './download-errors.js';
import { type ArchiveStatus, DownloadState } from './download-state.js';
import { httpGet } from './http-get.js';
import { KeptConnection } from './kept-connection.js';
import { type WantedArchive, parseInstallation } from './installation.js';
import { LocalDepot } from './local-depot.js';

/** The most bytes a `.sig` may have on the wire: an Ed25519 signature is 64. */
const MAX_SIGNATURE_BYTES = 4096;

/** The refusal of an archive whose user has no trusted key, worded as `verifyPkg`'s. */
function untrusted(path: ArchivePath, trust: DepotTrust): UnknownUser | undefined {
  if (trust.keyOf(path.user) !== undefined) return undefined;
  return new UnknownUser(
    `${path.path}: user "${path.user}" has no trusted key (trusted: ${trust.users().join(', ') || 'none'}); ` +
      `add ${path.user}'s pubkey to the trusted keys to accept its archives`,
    path.path,
  );
}

/** What the component holds: its config and sessions. */
export interface DepotDownloadParts {
  readonly env: Env;
  readonly config: DownloadConfig;
  readonly net: Net.Connection;
  readonly depot: LocalDepot;
  readonly timer: Timer.Connection;
  readonly reporter: Reporter;
  readonly installation: AttachedRomDataspace;
  /** A number in [0, 1) for the backoff's jitter. */
  readonly random: () => number;
}

/**
 * Genode's depot download manager: follows the `installation` ROM, brings each listed pkg and the archives it needs
 * from the depot server into the quarantine, verifies them against the trusted keys, and only then extracts them into
 * the local depot; reports `download_state` per archive. Up to `concurrency` pkgs at a time, each in a quarantine
 * folder of its own, their extractions one after the other; a pkg that failed is tried again when the installation
 * changes.
 */
export class DepotDownload {
  readonly #parts: DepotDownloadParts;
  readonly #state = new DownloadState();
  /** The archives reported for each wanted pkg, the pkg first. */
  readonly #archivesOf = new Map<string, string[]>();
  /** Pkgs that failed under the current installation. */
  readonly #failed = new Set<string>();
  #wanted: readonly WantedArchive[] = [];
  #installationText: string | null = null;
  /** Pkgs being brought now, by path. */
  readonly #inFlight = new Set<string>();
  /** Pkgs taken under the current installation (being brought, or brought): taken again only once it changes. */
  #taken = new Set<string>();
  /** The quarantine slots no worker uses now, by index. */
  readonly #freeSlots: number[];
  #reporting: Promise<void> = Promise.resolve();
  /** The extraction under way: pkgs go into the local depot one at a time (they may share archives). */
  #installing: Promise<unknown> = Promise.resolve();

  constructor(parts: DepotDownloadParts) {
    this.#parts = parts;
    this.#freeSlots = Array.from(
      { length: parts.config.concurrency },
      (_, index) => parts.config.concurrency - 1 - index,
    );
  }

  /** Follows the installation ROM from now on and works through what it lists. */
  async start(): Promise<void> {
    await this.#parts.depot.prepare();
    await this.#report();
    await this.#parts.installation.sigh(new SignalHandler(this.#parts.env.ep, () => this.#installationChanged()));
    await this.#installationChanged();
  }

  async #installationChanged(): Promise<void> {
    const rom = this.#parts.installation;
    await rom.update();
    const text = rom.valid() ? rom.text() : '';
    if (text === this.#installationText) return;
    this.#installationText = text;
    let wanted: WantedArchive[] = [];
    if (text.trim() !== '') {
      try {
        wanted = parseInstallation(rom.xml());
      } catch (error) {
        await this.#parts.env.log(`Error: installation ignored: ${error instanceof Error ? error.message : error}`);
        return;
      }
    }
    this.#wanted = wanted;
    this.#failed.clear();
    // what is listed again is looked at again (a pkg removed from the depot meanwhile is fetched anew), but a pkg
    // under way is not taken twice
    this.#taken = new Set(this.#inFlight);
    const reported = new Set<string>();
    for (const entry of wanted) {
      reported.add(entry.path);
      for (const path of this.#archivesOf.get(entry.path) ?? []) reported.add(path);
    }
    this.#state.retain((path) => reported.has(path));
    for (const entry of wanted)
      if ('refused' in entry) this.#state.set(entry.path, this.#failure(entry.refused));
      else if (this.#state.get(entry.path)?.state === 'failed')
        for (const path of this.#archivesOf.get(entry.path) ?? [entry.path])
          this.#state.set(path, { state: 'download' });
    await this.#report();
    this.#kick();
  }

  /**
   * Starts a worker in each free slot while there is a pkg to take: a pkg listed anew starts at once in a slot that is
   * free, whatever the others are fetching.
   */
  #kick(): void {
    while (this.#freeSlots.length > 0 && this.#takeable() !== undefined) {
      const index = this.#freeSlots.pop() as number;
      void this.#work(index)
        .catch((error: unknown) =>
          this.#parts.env.log(`Error: download stopped: ${error instanceof Error ? error.stack : String(error)}`),
        )
        .finally(() => {
          this.#freeSlots.push(index);
          // a pkg listed while this worker closed its connection
          this.#kick();
        });
    }
  }

  /** The first wanted pkg neither refused, failed, nor taken under the current installation. */
  #takeable(): ArchivePath | undefined {
    for (const entry of this.#wanted)
      if (!('refused' in entry) && !this.#failed.has(entry.path) && !this.#taken.has(entry.path)) return entry.pkg;
    return undefined;
  }

  /** The next wanted pkg to bring, in the installation's order, marked taken; undefined when none is left. */
  #take(): ArchivePath | undefined {
    const pkg = this.#takeable();
    if (pkg !== undefined) this.#taken.add(pkg.path);
    return pkg;
  }

  /**
   * One worker in quarantine slot `index`: takes pkg after pkg over one kept connection to the depot until none is
   * left, then closes it. The installation may change meanwhile: the worker goes on with what it lists then.
   */
  async #work(index: number): Promise<void> {
    const slot = this.#parts.depot.slot(index);
    const http = new KeptConnection(this.#parts.net, this.#parts.config.timeoutMs);
    try {
      for (let pkg = this.#take(); pkg !== undefined; pkg = this.#take()) {
        this.#inFlight.add(pkg.path);
        try {
          await this.#bring(pkg, slot, http);
        } finally {
          this.#inFlight.delete(pkg.path);
        }
      }
    } finally {
      await http.close();
    }
  }

  #wants(pkg: string): boolean {
    return this.#wanted.some((entry) => entry.path === pkg);
  }

  /** Brings `pkg` into the depot through quarantine `slot` and depot connection `http`, or reports why not. */
  async #bring(pkg: ArchivePath, slot: LocalDepot, http: KeptConnection): Promise<void> {
    const present = await this.#parts.depot.complete(pkg);
    if (present !== null) {
      this.#archivesOf.set(pkg.path, present);
      if (present.every((path) => this.#state.get(path)?.state === 'done')) return;
      for (const path of present) this.#state.set(path, { state: 'done' });
      await this.#report();
      return;
    }
    const archives = [pkg.path];
    this.#archivesOf.set(pkg.path, archives);
    let failure: ArchiveStatus | undefined;
    try {
      await this.#verifyAndInstall(pkg, archives, slot, http);
    } catch (error) {
      failure = this.#failure(error);
    }
    // the pkg's quarantine is gone before the outcome is reported
    await slot.removeQuarantine();
    if (failure === undefined) {
      for (const path of archives) this.#state.set(path, { state: 'done' });
      await this.#report();
      if (this.#parts.config.verbose) await this.#parts.env.log(`installed ${archives.join(', ')}`);
      return;
    }
    if (!this.#wants(pkg.path)) return;
    for (const path of archives) this.#state.set(path, failure);
    this.#failed.add(pkg.path);
    await this.#report();
    await this.#parts.env.log(`Error: ${pkg.path} failed: ${failure.error}: ${failure.reason}`);
  }

  /**
   * Fetches what `pkg` needs into the quarantine (following its verified `archives` lists), verifies the whole, and
   * installs it; `archives` collects the archive paths on the way, the pkg first.
   */
  async #verifyAndInstall(pkg: ArchivePath, archives: string[], slot: LocalDepot, http: KeptConnection): Promise<void> {
    const { trust, limits } = this.#parts.config;
    const checked = new CheckedArchives();
    const fetched = new Map<string, SignedArchive>();
    await this.#set(pkg.path, { state: 'download' });
    for (;;) {
      const missing = await missingArchives(pkg, fetched, { trust, limits, checked });
      if (missing.length === 0) break;
      for (const path of missing) {
        if (!archives.includes(path.path)) archives.push(path.path);
        const refusal = untrusted(path, trust);
        if (refusal !== undefined) throw refusal;
        // the pkg's own line stays at `download` until everything it needs is fetched
        if (path.path !== pkg.path) await this.#set(path.path, { state: 'download' });
        fetched.set(path.path, await this.#fetch(path, pkg.path, slot, http));
        if (path.path !== pkg.path) await this.#set(path.path, { state: 'verify' });
      }
    }
    for (const path of archives) this.#state.set(path, { state: 'verify' });
    await this.#report();
    const verified = await verifyPkg(pkg, fetched, { trust, limits, checked });
    for (const path of archives) this.#state.set(path, { state: 'extract' });
    await this.#report();
    const installed = this.#installing.then(() => slot.install(verified));
    this.#installing = installed.catch(() => undefined);
    await installed;
  }

  /** Fetches an archive and its signature into the quarantine, retrying with backoff while the depot is unreachable. */
  async #fetch(path: ArchivePath, pkg: string, slot: LocalDepot, http: KeptConnection): Promise<SignedArchive> {
    for (let retry = 1; ; retry++) {
      try {
        const archive = await this.#fetchFile(
          path,
          archiveFileName(path),
          this.#parts.config.maxArchiveBytes,
          slot,
          http,
        );
        const signature = await this.#fetchFile(path, signatureFileName(path), MAX_SIGNATURE_BYTES, slot, http);
        return { archive, signature };
      } catch (error) {
        if (!(error instanceof DepotUnreachable) || !this.#wants(pkg)) throw error;
        const delay = backoffDelayMs(this.#parts.config.backoff, retry, this.#parts.random);
        const status: ArchiveStatus = { state: 'download', retry, error: error.name, reason: error.message };
        // the pkg's line shows the retry too: it is what deploy reads
        this.#state.set(pkg, status);
        await this.#set(path.path, status);
        await this.#parts.env.log(`Warning: ${error.message}; retry ${retry} in ${delay} ms`);
        await this.#parts.timer.msleep(delay);
      }
    }
  }

  async #fetchFile(
    path: ArchivePath,
    file: string,
    maxBytes: number,
    slot: LocalDepot,
    http: KeptConnection,
  ): Promise<Uint8Array> {
    const url = new URL(file, this.#parts.config.url);
    let found = true;
    const bytes = await slot.quarantine(file, async (write) => {
      found =
        (await httpGet(
          this.#parts.net,
          url,
          { maxBytes, timeoutMs: this.#parts.config.timeoutMs, archive: path.path },
          write,
          http,
        )) === 'ok';
    });
    if (!found)
      throw new MissingArchive(
        `${path.path}: the depot has no ${file} (GET ${url.href} answered 404); publish it there, or fix the ` +
          'archives file that lists it',
        path.path,
      );
    return bytes;
  }

  #failure(error: unknown): ArchiveStatus {
    if (error instanceof Error) return { state: 'failed', error: error.name, reason: error.message };
    return { state: 'failed', error: 'Error', reason: String(error) };
  }

  async #set(path: string, status: ArchiveStatus): Promise<void> {
    this.#state.set(path, status);
    if (this.#parts.config.verbose) await this.#parts.env.log(`${path}: ${status.state}`);
    await this.#report();
  }

  /** Reports the state as it is now; reports from the installation's handler and the download go one at a time. */
  #report(): Promise<void> {
    const next = this.#reporting.then(() => this.#parts.reporter.report(this.#state.toXml()));
    this.#reporting = next.catch(() => undefined);
    return next;
  }
}

/**
 * The download component (binary `depot_download`): reads its `<config>`, opens Net, File_system, Timer, the
 * `installation` ROM and the `download_state` report, and brings what the installation lists into the local depot.
 */
export const depotDownload: ComponentModule = {
  async construct(env: Env): Promise<void> {
    const config = parseDownloadConfig((await AttachedRomDataspace.open(env, 'config')).xml());
    // a socket for each pkg fetched at once, and one more for a connection still closing
    const net = await Net.Connection.open(env, { sockets: config.concurrency + 1 });
    // each slot holds up to four handles at once (its quarantine folder, a download or a staging folder, a file in
    // it, the folder an archive is moved into), and one look-up of the depot's may hold a few more
    const fs = await FileSystem.Connection.open(env, { handles: 4 * config.concurrency + 4 });
    const timer = await Timer.Connection.open(env);
    const reporter = await Reporter.open(env, 'download_state', 16 * 1024);
    const installation = await AttachedRomDataspace.open(env, 'installation');
    const depot = new LocalDepot(fs, config.depot, config.quarantine);
    const download = new DepotDownload({
      env,
      config,
      net,
      depot,
      timer,
      reporter,
      installation,
      random: Math.random,
    });
    await download.start();
  },
};
